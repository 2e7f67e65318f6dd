import assert from "node:assert/strict";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { niceTicks, renderChart, shortNumber } from "./chart.ts";

Deno.test("renderChart() draws one bar per value with an accessible title and escaped labels", () => {
  const svg = renderChart({
    kind: "bar",
    title: "Calls <by> R&D",
    labels: ["a&b", "c", "d"],
    series: [{ name: "Target", values: [1, 2, null] }, { name: "Real", values: [3, 0, 4] }],
  });
  assert.equal(XMLValidator.validate(svg), true);
  const doc = new XMLParser({ ignoreAttributes: false }).parse(svg).svg;
  assert.equal(doc["@_role"], "img");
  assert.equal(doc.title["#text"], "Calls <by> R&D");
  assert.match(svg, /<title id="[^"]+">Calls &lt;by&gt; R&amp;D<\/title>/);
  assert.match(doc.desc["#text"], /Bar chart of Target, Real over 3 categories from a&b to d/);
  assert.equal(doc.rect.length, 5 + 2); // five non-null bars, two legend swatches
  assert.match(svg, /<title>Real, d: 4<\/title>/);
});

Deno.test("renderChart() draws a line with a point per value, and says when there is no data", () => {
  const svg = renderChart({
    kind: "line",
    title: "Used",
    labels: ["d1", "d2", "d3", "d4"],
    series: [{ name: "Used", values: [1e9, 2e9, 2.5e9, 4e9] }],
  });
  assert.equal(XMLValidator.validate(svg), true);
  assert.equal(svg.match(/<circle /g)?.length, 4);
  assert.match(svg, /<polyline [^>]*points="([\d.]+,[\d.]+ ){3}[\d.]+,[\d.]+"/);
  assert.match(svg, />4G</);
  const empty = renderChart({ kind: "bar", title: "None", labels: [], series: [] });
  assert.equal(XMLValidator.validate(empty), true);
  assert.match(empty, />No data</);
});

Deno.test("niceTicks() and shortNumber() pick round axis values", () => {
  assert.deepEqual(niceTicks(9), [0, 2, 4, 6, 8, 10]);
  assert.deepEqual(niceTicks(100), [0, 20, 40, 60, 80, 100]);
  assert.deepEqual(niceTicks(0), [0, 1]);
  assert.equal(shortNumber(1234), "1.2k");
  assert.equal(shortNumber(12.5), "12.5");
});
