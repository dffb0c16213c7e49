/** Folder of the embedded store's LevelDB files under DATA_DIR (generated secrets live beside it). */
export const EMBEDDED_STORE_FOLDER = 'store';
