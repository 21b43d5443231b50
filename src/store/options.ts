/** Options shared by the store implementations. */
export interface StoreOptions {
  /** Epoch-ms clock used for meta expiry (inject a fake one in tests). @default Date.now */
  now?: () => number;
}
