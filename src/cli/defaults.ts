/** Where the CLI looks for the configuration unless told otherwise. */
export const DEFAULT_CONFIG_PATH = 'config/gatehouse.yaml';
