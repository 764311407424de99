/** The text of an ES module that exports what `file` exports, each as a string literal. */
export function inlineExports(file: string): Promise<string>;
