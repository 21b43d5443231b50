import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { toDot, toMermaid } from '../../src/dsl/graph.js';
import { loadWorkflowFile, loadWorkflowText } from '../../src/dsl/load.js';

const small = loadWorkflowText(
  `hookflow: 1
name: small
steps:
  - id: fetch
    tool: util.echo
    catch:
      - id: fallback
        set: { v: 0 }
  - id: fan
    parallel:
      - id: a
        tool: math.calc
      - id: b
        wait: 5ms
  - id: check
    if: \${ steps.fetch.output > 1 }
    then:
      - id: big
        emit: { event: big }
`,
  'small.yaml',
);

describe('toMermaid', () => {
  it('renders sequences, parallel fan-out/in, if edges and dashed catch edges', () => {
    expect(toMermaid(small)).toBe(`---
title: small
---
flowchart TD
  n__start(("start"))
  n_fetch["fetch<br/>tool: util.echo"]
  n_fetch__after(( ))
  n_fetch --> n_fetch__after
  subgraph n_fetch__catch ["catch: fetch"]
    n_fallback["fallback<br/>set: v"]
  end
  n_fetch -.->|"catch"| n_fallback
  n_fallback -.-> n_fetch__after
  subgraph n_fan__group ["parallel: fan"]
    n_fan{{"fan<br/>parallel"}}
    n_a["a<br/>tool: math.calc"]
    n_b["b<br/>wait 5ms"]
    n_fan__join{{"join"}}
    n_fan --> n_a
    n_a --> n_fan__join
    n_fan --> n_b
    n_b --> n_fan__join
  end
  subgraph n_check__group ["if: check"]
    n_check{"check<br/>if \${ steps.fetch.output #gt; 1 }"}
    n_big["big<br/>emit: big"]
    n_check__end(( ))
    n_check -->|"then"| n_big
    n_big --> n_check__end
    n_check -->|"else"| n_check__end
  end
  n_fetch__after --> n_fan
  n_fan__join --> n_check
  n__end(("end"))
  n__start --> n_fetch
  n_check__end --> n__end
`);
  });

  it('draws loops with a back edge carrying the condition and switch edges with case conditions', () => {
    const def = loadWorkflowText(
      `hookflow: 1
name: loops
steps:
  - id: again
    loop:
      while: \${ vars.n < 3 }
      steps:
        - id: route
          switch:
            - when: \${ vars.n = 0 }
              steps: [{ id: first, set: { n: 1 } }]
          default: [{ id: later, set: { n: 3 } }]
`,
      'loops.yaml',
    );
    const text = toMermaid(def);
    expect(text).toContain('n_again(["again<br/>while ${ vars.n #lt; 3 }<br/>max 1000"])');
    expect(text).toContain('n_route__end -->|"while ${ vars.n #lt; 3 }"| n_again');
    expect(text).toContain('n_route -->|"when ${ vars.n = 0 }"| n_first');
    expect(text).toContain('n_route -->|"default"| n_later');
    expect(text).toContain('n_again -->|"done"| n_again__done');
  });
});

describe('toDot', () => {
  it('renders clusters, labelled and dashed edges, escaping quotes and newlines', () => {
    const dot = toDot(small);
    expect(dot.startsWith('digraph "small" {\n  rankdir=TB;\n')).toBe(true);
    expect(dot).toContain('  subgraph cluster_n_fan__group {\n    label="parallel: fan";\n');
    expect(dot).toContain('n_fetch -> n_fallback [label="catch", style=dashed];');
    expect(dot).toContain('n_check [label="check\\nif ${ steps.fetch.output > 1 }", shape=diamond];');
    expect(dot).toContain('n_check -> n_big [label="then"];');
    expect(dot.endsWith('}\n')).toBe(true);
  });
});

describe('diagrams of the example workflows', () => {
  const dir = path.resolve(import.meta.dirname, '..', '..', 'workflows');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

  it.each(files)('%s: every step is a node, every edge joins declared nodes, groups are balanced', async (file) => {
    const def = await loadWorkflowFile(path.join(dir, file));
    const mermaid = toMermaid(def).split('\n');
    const declared = new Set(mermaid.map((l) => /^\s*(n_\w+)[[({]/.exec(l)?.[1]).filter((x): x is string => x !== undefined));
    const groups = new Set(mermaid.map((l) => /^\s*subgraph (n_\w+) /.exec(l)?.[1]).filter((x): x is string => x !== undefined));
    const edges = mermaid.map((l) => /^\s*(n_\w+) (?:-->|-\.->)(?:\|"[^"]*"\|)? (n_\w+)$/.exec(l)).filter((m) => m !== null);
    for (const id of def.stepsById.keys()) {
      // Hook fork steps are not drawn: they exist only when a hook fires.
      if (def.hooks.some((h) => JSON.stringify(h.source).includes(`"id":"${id}"`))) continue;
      const node = `n_${id.replace(/[^A-Za-z0-9_]/g, '_')}`;
      // Sequences are drawn as a subgraph of their steps; every other step is a node.
      expect(declared.has(node) || (def.stepsById.get(id)?.kind === 'sequence' && groups.has(`${node}__group`)), `${file}: ${id}`).toBe(true);
    }
    for (const m of edges) {
      expect(declared).toContain(m[1]);
      expect(declared).toContain(m[2]);
    }
    expect(mermaid.filter((l) => /^\s*subgraph /.test(l)).length).toBe(mermaid.filter((l) => /^\s*end$/.test(l)).length);
    const dot = toDot(def);
    expect((dot.match(/{/g) ?? []).length - (dot.match(/\${/g) ?? []).length).toBe((dot.match(/}/g) ?? []).length - (dot.match(/\${[^}]*}/g) ?? []).length);
    for (const m of dot.matchAll(/^\s*(n_\w+) -> (n_\w+)/gm)) {
      expect(dot).toMatch(new RegExp(`^\\s*${m[1] as string} \\[`, 'm'));
      expect(dot).toMatch(new RegExp(`^\\s*${m[2] as string} \\[`, 'm'));
    }
  });
});
