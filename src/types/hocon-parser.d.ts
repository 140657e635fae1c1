/** The part of @pushcorn/hocon-parser's API the EMQX config import uses (the package ships no types). */
declare module '@pushcorn/hocon-parser' {
  interface ParseOptions {
    readonly text: string;
    /** Strict mode: no pipes, plain HOCON number parsing. */
    readonly strict?: boolean;
  }
  function parse(options: ParseOptions): Promise<unknown>;
  export default parse;
}
