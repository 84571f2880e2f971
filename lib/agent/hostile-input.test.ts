// The agent bad-input suite (hostile-suite.ts) against the simulated driver: input handling only;
// routes that need QEMU answer 501 NOT_SUPPORTED once the input is valid.
import { hostileAgentSuite } from './hostile-suite';

hostileAgentSuite();
