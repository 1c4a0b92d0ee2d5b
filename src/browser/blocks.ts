// plainwire's block model of a page: what a text browser shows of HTML (headings, paragraphs, lists, tables, links,
// form fields), as plain data. Every string in it is already terminal-safe (see document.ts).

export type Inline =
  | { type: 'text'; text: string }
  | { type: 'emphasis'; children: Inline[] }
  | { type: 'strong'; children: Inline[] }
  | { type: 'code'; children: Inline[] }
  | { type: 'link'; href: string; children: Inline[] }
  | { type: 'image'; alt: string }
  | { type: 'field'; field: number }
  | { type: 'br' };

export type ContainerInline = Extract<Inline, { children: Inline[] }>;

export interface TableCell {
  header: boolean;
  /** colspan: how many columns the cell covers (1 or more). */
  span: number;
  inlines: Inline[];
}

export type Block =
  | { type: 'heading'; level: number; inlines: Inline[] }
  | { type: 'paragraph'; inlines: Inline[] }
  /**
   * `continued`: only on blocks handed to parseDocument's onBlock: these items go on the unordered list of the
   * block before (a long one is handed over a few items at a time while it is parsed).
   */
  | { type: 'list'; ordered: boolean; start: number; items: Block[][]; continued?: true }
  | { type: 'pre'; text: string }
  | { type: 'blockquote'; blocks: Block[] }
  /** Indented without a quote bar: <dd> and similar. */
  | { type: 'indent'; blocks: Block[] }
  | { type: 'table'; caption?: Inline[]; rows: TableCell[][] }
  | { type: 'hr' };

export interface Form {
  /** Absolute URL the form submits to (the page's own URL when there is no action). */
  action: string;
  method: 'get' | 'post';
}

export type FieldKind =
  | 'text'
  | 'password'
  | 'textarea'
  | 'checkbox'
  | 'radio'
  | 'select'
  | 'submit'
  | 'hidden'
  | 'button';

export interface SelectOption {
  label: string;
  value: string;
  selected: boolean;
}

export interface FormField {
  /** Index of this field in Document.fields. */
  index: number;
  /** Index in Document.forms, or null for a field outside any form (it cannot be submitted). */
  form: number | null;
  kind: FieldKind;
  name: string;
  /** Initial value (text), the value sent when checked (checkbox/radio), or the label (submit/button). */
  value: string;
  checked: boolean;
  options: SelectOption[];
  /** Method/action override from formmethod/formaction on a submit button. */
  formAction?: string;
  formMethod?: 'get' | 'post';
}

export interface Document {
  /** The URL the page came from (after redirects): links are resolved against baseUrl. */
  url: string;
  baseUrl: string;
  title: string;
  blocks: Block[];
  forms: Form[];
  fields: FormField[];
}

/** The plain text of some inlines (no markers, no styling): for JSON output, headings, cell measuring. */
export function inlineText(inlines: Inline[]): string {
  const out: string[] = [];
  const visit = (list: Inline[]) => {
    for (const node of list) {
      if (node.type === 'text') out.push(node.text);
      else if (node.type === 'br') out.push('\n');
      else if (node.type === 'image') out.push(node.alt ? `[${node.alt}]` : '');
      else if (node.type === 'field') continue;
      else visit(node.children);
    }
  };
  visit(inlines);
  return out.join('');
}

/** Block content squeezed into one line of inlines (table cells, captions, headings with blocks inside). */
export function flattenBlocks(blocks: Block[]): Inline[] {
  // The usual cell or caption: one paragraph, whose inlines are already the answer.
  if (blocks.length === 1 && blocks[0]!.type === 'paragraph') return blocks[0]!.inlines;
  const out: Inline[] = [];
  const add = (inlines: Inline[]) => {
    if (out.length > 0 && inlines.length > 0) out.push({ type: 'text', text: ' ' });
    for (const inline of inlines) out.push(inline);
  };
  for (const block of blocks) {
    switch (block.type) {
      case 'heading':
      case 'paragraph':
        add(block.inlines);
        break;
      case 'pre':
        add([{ type: 'text', text: block.text.replace(/\s+/g, ' ').trim() }]);
        break;
      case 'list':
        for (const item of block.items) add(flattenBlocks(item));
        break;
      case 'blockquote':
      case 'indent':
        add(flattenBlocks(block.blocks));
        break;
      case 'table':
        for (const row of block.rows) for (const cell of row) add(cell.inlines);
        break;
      case 'hr':
        break;
    }
  }
  return out;
}
