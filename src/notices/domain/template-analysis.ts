/// <reference types="handlebars" />
// Static facts about a parsed Handlebars template, for the boot-time check: which
// partials it calls and which translation keys it asks for.

export interface TranslationCall {
  helper: string;
  /** The literal key, or null when the key is not a string literal (which the check rejects). */
  key: string | null;
  hashKeys: string[];
  line: number;
}

export interface TemplateRefs {
  partials: Array<{ name: string; line: number }>;
  dynamicPartialLines: number[];
  decoratorLines: number[];
  /** Blocks other than if/unless/each/with, e.g. an implicit section {{#items}}…{{/items}}. */
  unknownBlocks: Array<{ name: string; line: number }>;
  translations: TranslationCall[];
  /** Every helper called (with arguments, or as a block): `t`, `if`, `lookup`... */
  helpers: string[];
}

const BLOCK_HELPERS = ['if', 'unless', 'each', 'with'];

type Node = hbs.AST.Node;

function lineOf(node: Node): number {
  return node.loc?.start.line ?? 0;
}

/** Collects partial and translation references from `program`; `translationHelpers` names the helpers whose first argument is a key. */
export function analyzeTemplate(
  program: hbs.AST.Program,
  translationHelpers: readonly string[],
): TemplateRefs {
  const refs: TemplateRefs = {
    partials: [],
    dynamicPartialLines: [],
    decoratorLines: [],
    unknownBlocks: [],
    translations: [],
    helpers: [],
  };

  const visitCall = (
    path: Node,
    params: Node[],
    hash: hbs.AST.Hash | undefined,
    node: Node,
  ): void => {
    if (path.type === 'PathExpression') {
      const name = (path as hbs.AST.PathExpression).original;
      if (params.length > 0 || hash !== undefined || node.type === 'BlockStatement')
        refs.helpers.push(name);
      if (translationHelpers.includes(name)) {
        const first = params[0];
        refs.translations.push({
          helper: name,
          key: first?.type === 'StringLiteral' ? (first as hbs.AST.StringLiteral).value : null,
          hashKeys: hash?.pairs.map((pair) => pair.key) ?? [],
          line: lineOf(node),
        });
      }
    }
    visit(path);
    params.forEach(visit);
    hash?.pairs.forEach((pair) => visit(pair.value));
  };

  const visitPartialName = (name: Node, node: Node): void => {
    if (name.type === 'PathExpression')
      refs.partials.push({ name: (name as hbs.AST.PathExpression).original, line: lineOf(node) });
    else refs.dynamicPartialLines.push(lineOf(node));
  };

  function visit(node: Node | null | undefined): void {
    if (node === null || node === undefined) return;
    switch (node.type) {
      case 'Program':
        (node as hbs.AST.Program).body.forEach(visit);
        return;
      case 'MustacheStatement':
      case 'SubExpression': {
        const call = node as hbs.AST.MustacheStatement | hbs.AST.SubExpression;
        visitCall(call.path, call.params, call.hash, node);
        return;
      }
      case 'BlockStatement': {
        const block = node as hbs.AST.BlockStatement;
        if (!BLOCK_HELPERS.includes(block.path.original))
          refs.unknownBlocks.push({ name: block.path.original, line: lineOf(node) });
        visitCall(block.path, block.params, block.hash, node);
        visit(block.program);
        visit(block.inverse);
        return;
      }
      case 'PartialStatement': {
        const partial = node as hbs.AST.PartialStatement;
        visitPartialName(partial.name, node);
        partial.params.forEach(visit);
        partial.hash?.pairs.forEach((pair) => visit(pair.value));
        return;
      }
      case 'PartialBlockStatement': {
        const partial = node as hbs.AST.PartialBlockStatement;
        visitPartialName(partial.name, node);
        partial.params.forEach(visit);
        partial.hash?.pairs.forEach((pair) => visit(pair.value));
        visit(partial.program);
        return;
      }
      case 'Decorator':
      case 'DecoratorBlock':
        refs.decoratorLines.push(lineOf(node));
        return;
      default:
        return; // content, comments, literals and paths hold no references
    }
  }

  visit(program);
  return refs;
}
