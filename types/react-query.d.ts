import '@tanstack/react-query';

declare module '@tanstack/react-query' {
  interface Register {
    // Title of the error toast a failed mutation shows (the body is the server's error.message).
    mutationMeta: { errorTitle?: string };
  }
}
