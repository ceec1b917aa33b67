/**
 * The texts built from an execution: Dkron's template data and `{{.Report}}`, the email subject, and
 * the readable report of per-job emails.
 */

import { normalizeTime } from '@dkron-core/kernel';
import type { Execution, Job } from '@dkron-core/plugin-api';
import type { TemplateData } from '../template.js';

/**
 * A time as Go prints a `time.Time` (`2006-01-02 15:04:05.999999999 -0700 MST`), which is what
 * Dkron's `{{.StartTime}}`, `{{.FinishedAt}}` and report show. Times are stored in UTC, so the zone
 * is always `+0000 UTC`. A text that is not a time is returned unchanged.
 */
export function goTime(text: string): string {
  const normal = normalizeTime(text);
  return normal === undefined ? text : normal.replace('T', ' ').replace(/Z$/, ' +0000 UTC');
}

/** `Success` or `Failed`, from Dkron's boolean (a cancelled or lost run is `Failed`). */
export const statusWord = (execution: Execution): string => (execution.success ? 'Success' : 'Failed');

/** Dkron's subject: `<prefix><Success|Failed> <job> execution report`, no space after the prefix. */
export function mailSubject(prefix: string, job: Job, execution: Execution): string {
  return `${prefix}${statusWord(execution)} ${jobName(job, execution)} execution report`;
}

const jobName = (job: Job, execution: Execution): string => execution.job_name || job.name;

/**
 * Dkron's `{{.Report}}`. Dkron ends it with one line per execution of the trigger's group on every
 * node; the notifier port reports one node's execution, so that list holds this execution only.
 */
export function dkronReport(reportingNode: string, job: Job, execution: Execution): string {
  const start = goTime(execution.started_at);
  const end = goTime(execution.finished_at);
  return (
    `Executed: ${jobName(job, execution)}\n` +
    `Reporting node: ${reportingNode}\n` +
    `Start time: ${start}\n` +
    `End time: ${end}\n` +
    `Success: ${execution.success}\n` +
    `Node: ${execution.node_name}\n` +
    `Output: ${execution.output}\n` +
    `Execution group: ${execution.group}\n` +
    `\t[Node]: ${execution.node_name} [Start]: ${start} [End]: ${end} [Success]: ${execution.success}\n`
  );
}

/** The values of every template field for one execution. */
export function templateData(reportingNode: string, job: Job, execution: Execution): TemplateData {
  return {
    Report: dkronReport(reportingNode, job, execution),
    JobName: jobName(job, execution),
    ReportingNode: reportingNode,
    StartTime: goTime(execution.started_at),
    FinishedAt: goTime(execution.finished_at),
    Success: String(execution.success),
    NodeName: execution.node_name,
    Output: execution.output,
    Status: execution.status,
    ExecutionID: execution.id,
    Attempt: String(execution.attempt),
    Group: String(execution.group),
  };
}

/** Body of a per-job (`notify.email`) email: a summary a person reads, then the output. */
export function jobMailText(reportingNode: string, job: Job, execution: Execution): string {
  const lines = [
    `Job: ${jobName(job, execution)}`,
    `Status: ${execution.status}`,
    `Node: ${execution.node_name}`,
    `Execution: ${execution.id} (attempt ${execution.attempt}, group ${execution.group})`,
    `Started: ${execution.started_at}`,
    `Finished: ${execution.finished_at}`,
    `Reported by: ${reportingNode}`,
    '',
    'Output:',
    execution.output === '' ? '(no output)' : execution.output,
  ];
  return `${lines.join('\n')}\n`;
}

/** Body of a per-job (`notify.webhook`) call. */
export function jobWebhookBody(job: Job, execution: Execution): string {
  return JSON.stringify({
    job: jobName(job, execution),
    execution,
    output: execution.output,
    status: execution.status,
    node: execution.node_name,
  });
}
