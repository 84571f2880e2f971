// The PostgreSQL adapter the Prisma CLI migrates with (prisma.config.ts only; the app has its own).
// @prisma/adapter-pg 6.19 cannot read the catalog's `name` and `"char"` columns, which the schema
// engine queries while applying migrations ("Column type 'name' could not be deserialized"):
// they arrive as strings already, so they are declared text.
import { PrismaPg } from '@prisma/adapter-pg';

const CATALOG_AS_TEXT: Record<number, number> = { 18: 25, 19: 25 }; // "char", name -> text
type Io = (query: unknown) => Promise<{ fields: { dataTypeID: number }[] }>;

function readCatalogAsText(adapter: object): void {
  let proto: object | null = adapter;
  while (proto && !Object.hasOwn(proto, 'performIO')) proto = Object.getPrototypeOf(proto);
  if (!proto) throw new Error('@prisma/adapter-pg changed: no performIO to wrap');
  const holder = proto as { performIO: Io; catalogAsText?: true };
  if (holder.catalogAsText) return;
  const performIO = holder.performIO;
  holder.performIO = async function (this: unknown, query) {
    const result = await performIO.call(this, query);
    for (const f of result.fields) f.dataTypeID = CATALOG_AS_TEXT[f.dataTypeID] ?? f.dataTypeID;
    return result;
  };
  holder.catalogAsText = true;
}

export function migrationAdapter(url: string): PrismaPg {
  const factory = new PrismaPg({ connectionString: url, allowExitOnIdle: true });
  const connect = factory.connect.bind(factory);
  factory.connect = async () => {
    const adapter = await connect();
    readCatalogAsText(adapter);
    return adapter;
  };
  return factory;
}
