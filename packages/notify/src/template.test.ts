import { describe, expect, it } from 'vitest';
import { dkronReport, goTime, templateData } from './internal/report.js';
import {
  compileTemplate,
  renderTemplate,
  TEMPLATE_ERROR_PREFIX,
  TEMPLATE_FIELDS,
  type TemplateData,
} from './template.js';
import { execution, job } from './test-support/fixtures.js';

const failed = execution({
  id: '1714557600000000000-node-b',
  status: 'failed',
  output: 'disk full\n',
  node_name: 'node-b',
  attempt: 2,
});
const data = templateData('leader-1', job(), failed);

describe('templateData', () => {
  it('fills every field the way Dkron formats it', () => {
    expect(data).toEqual({
      Report: dkronReport('leader-1', job(), failed),
      JobName: 'backup',
      ReportingNode: 'leader-1',
      StartTime: '2024-05-01 10:00:00.123456789 +0000 UTC',
      FinishedAt: '2024-05-01 10:00:05 +0000 UTC',
      Success: 'false',
      NodeName: 'node-b',
      Output: 'disk full\n',
      Status: 'failed',
      ExecutionID: '1714557600000000000-node-b',
      Attempt: '2',
      Group: '1714557600000000000',
    } satisfies TemplateData);
    expect(Object.keys(data).sort()).toEqual([...TEMPLATE_FIELDS].sort());
  });

  it('builds the report as Dkron lays it out', () => {
    expect(data.Report).toBe(
      'Executed: backup\n' +
        'Reporting node: leader-1\n' +
        'Start time: 2024-05-01 10:00:00.123456789 +0000 UTC\n' +
        'End time: 2024-05-01 10:00:05 +0000 UTC\n' +
        'Success: false\n' +
        'Node: node-b\n' +
        'Output: disk full\n\n' +
        'Execution group: 1714557600000000000\n' +
        '\t[Node]: node-b [Start]: 2024-05-01 10:00:00.123456789 +0000 UTC ' +
        '[End]: 2024-05-01 10:00:05 +0000 UTC [Success]: false\n',
    );
  });

  it('prints times as Go prints a time.Time, including the zero time', () => {
    expect(goTime('2024-05-01T12:00:00.5+02:00')).toBe('2024-05-01 10:00:00.5 +0000 UTC');
    expect(goTime('0001-01-01T00:00:00Z')).toBe('0001-01-01 00:00:00 +0000 UTC');
    expect(goTime('not a time')).toBe('not a time');
  });
});

describe('renderTemplate', () => {
  it('renders every variable', () => {
    const text = TEMPLATE_FIELDS.map((f) => `${f}=[{{.${f}}}]`).join('|');
    expect(renderTemplate(text, data)).toBe(TEMPLATE_FIELDS.map((f) => `${f}=[${data[f]}]`).join('|'));
  });

  it('accepts spaces inside the braces and inserts values unescaped', () => {
    const d = { ...data, Output: 'say "hi" <b>' };
    expect(renderTemplate('{"job":"{{ .JobName }}","out":"{{\t.Output\t}}"}', d)).toBe(
      '{"job":"backup","out":"say "hi" <b>"}',
    );
  });

  it("honours Go's trim markers and comments", () => {
    expect(renderTemplate('a  \n {{- .JobName -}} \n  b', data)).toBe('abackupb');
    expect(renderTemplate('x{{/* not sent */}}y {{- /* trimmed */ -}} z', data)).toBe('xyz');
  });

  it('leaves text without actions, and stray closing braces, alone', () => {
    expect(renderTemplate('plain }} text', data)).toBe('plain }} text');
    expect(renderTemplate('', data)).toBe('');
  });

  it("renders Dkron's error text for an unknown field", () => {
    expect(renderTemplate('ok\n{{.Nope}}', data)).toBe(
      `${TEMPLATE_ERROR_PREFIX}template: report:2: executing "report" at <.Nope>: can't evaluate field Nope`,
    );
  });

  it.each([
    ['{{if .Success}}yes{{end}}', '{{if .Success}}'],
    ['{{.JobName | printf "%q"}}', '{{.JobName | printf "%q"}}'],
    ['{{printf "%s" .Output}}', '{{printf "%s" .Output}}'],
    ['{{.Job.Name}}', '{{.Job.Name}}'],
    ['{{ }}', '{{ }}'],
  ])('refuses other Go template syntax: %s', (template, action) => {
    const out = renderTemplate(template, data);
    expect(out).toBe(
      `${TEMPLATE_ERROR_PREFIX}template: report:1: unsupported action ${action}: only field references such as {{.JobName}} are allowed`,
    );
  });

  it('reports an unclosed action with its line', () => {
    expect(compileTemplate('a\nb\n{{.JobName')).toEqual({
      ok: false,
      reason: 'template: report:3: unclosed action',
    });
    expect(renderTemplate('{{.JobName', data)).toBe(
      'Failed to parse template: template: report:1: unclosed action',
    );
  });
});
