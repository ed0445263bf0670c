export declare const LAYERS: readonly (readonly string[])[];
export declare const STANDALONE: readonly string[];
export declare const ALLOWED_UPWARD: number;
