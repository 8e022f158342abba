/**
 * Scale events as they arrive: Event Grid schema or CloudEvents 1.0 resource events from the
 * resource group's system topic, and Azure Monitor autoscale webhooks. Parsing never throws; a
 * classification says, with a reason, whether an event asks for a verification run.
 */
import { azureNameProblem } from '../azureNames';

export interface ResourceEvent {
  id: string;
  type: string;
  /** The topic (Event Grid) or source (CloudEvents): `/subscriptions/S/resourceGroups/rg`. */
  topic: string;
  subject: string;
  time: string;
  operationName?: string;
}

export interface ScaleSetRef {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: string[] };

const RESOURCE_EVENTS = ['Microsoft.Resources.ResourceWriteSuccess', 'Microsoft.Resources.ResourceActionSuccess', 'Microsoft.Resources.ResourceDeleteSuccess'];
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

export function parseResourceEvent(input: unknown): Parsed<ResourceEvent> {
  if (!isRecord(input)) return { ok: false, problems: ['event: not an object'] };
  const problems: string[] = [];
  const cloud = input.specversion !== undefined;
  const id = input.id;
  const type = cloud ? input.type : input.eventType;
  const topic = cloud ? input.source : input.topic;
  const subject = input.subject;
  const time = cloud ? input.time : input.eventTime;
  if (cloud && input.specversion !== '1.0') problems.push(`specversion: ${JSON.stringify(input.specversion)} is not 1.0`);
  if (!str(id)) problems.push('id: missing');
  if (!str(type)) problems.push(cloud ? 'type: missing' : 'eventType: missing');
  if (!str(topic)) problems.push(cloud ? 'source: missing' : 'topic: missing');
  if (!str(subject)) problems.push('subject: missing');
  if (time !== undefined && (!str(time) || Number.isNaN(Date.parse(time)))) problems.push('time: not a date');
  if (problems.length) return { ok: false, problems };
  const data = isRecord(input.data) ? input.data : {};
  return {
    ok: true,
    value: {
      id: id as string,
      type: type as string,
      topic: topic as string,
      subject: subject as string,
      time: str(time) ? time : new Date(0).toISOString(),
      ...(str(data.operationName) ? { operationName: data.operationName } : {}),
    },
  };
}

/**
 * `/subscriptions/S/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/name[/virtualMachines/i]`.
 * Undefined unless the names follow Azure's rules (so `..` or an encoded `/` can never reach an ARM URL).
 */
export function scaleSetOf(resourceId: string): (ScaleSetRef & { instanceId?: string }) | undefined {
  const m = /^\/subscriptions\/([0-9a-f-]{36})\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/virtualMachineScaleSets\/([^/]+)(?:\/virtualMachines\/(\d+))?(?:\/.*)?$/i.exec(resourceId);
  if (!m?.[1] || !m[2] || !m[3]) return undefined;
  if (azureNameProblem('resourceGroup', m[2]) || azureNameProblem('scaleSet', m[3])) return undefined;
  return { subscriptionId: m[1], resourceGroup: m[2], name: m[3], ...(m[4] ? { instanceId: m[4] } : {}) };
}

export interface EventPolicy {
  subscriptionId: string;
  /** Accepted topics, lower-cased comparisons; empty → any topic of the subscription. */
  allowedTopics: string[];
  managed(scaleSet: ScaleSetRef): boolean;
}

export interface Classification {
  decision: 'verify' | 'ignore';
  reason: string;
  scaleSet?: ScaleSetRef;
}

export function classifyScaleEvent(event: ResourceEvent, policy: EventPolicy): Classification {
  if (!RESOURCE_EVENTS.includes(event.type)) return { decision: 'ignore', reason: `event type ${event.type} is not a resource event` };
  const topic = event.topic.toLowerCase();
  if (!topic.startsWith(`/subscriptions/${policy.subscriptionId.toLowerCase()}`)) return { decision: 'ignore', reason: `topic ${event.topic} is in another subscription` };
  if (policy.allowedTopics.length && !policy.allowedTopics.some((t) => t.toLowerCase() === topic)) return { decision: 'ignore', reason: `topic ${event.topic} is not configured` };
  // A resource group's system topic only speaks for resources inside that group.
  if (!event.subject.toLowerCase().startsWith(`${topic}/`)) return { decision: 'ignore', reason: `subject ${event.subject} is not inside topic ${event.topic}` };
  const target = scaleSetOf(event.subject);
  if (!target) return { decision: 'ignore', reason: `subject ${event.subject} is not a scale set` };
  if (target.subscriptionId.toLowerCase() !== policy.subscriptionId.toLowerCase()) return { decision: 'ignore', reason: 'subject is in another subscription' };
  const scaleSet = { subscriptionId: target.subscriptionId, resourceGroup: target.resourceGroup, name: target.name };
  if (!policy.managed(scaleSet)) return { decision: 'ignore', reason: `scale set ${target.resourceGroup}/${target.name} is not managed by friday-fleet` };
  if (event.type.endsWith('ResourceDeleteSuccess') && !target.instanceId) return { decision: 'ignore', reason: 'the scale set itself was deleted: nothing to verify' };
  return { decision: 'verify', reason: `${event.type.replace('Microsoft.Resources.', '')} on ${target.instanceId ? `instance ${target.instanceId} of ` : ''}${target.name}`, scaleSet };
}

export interface AutoscaleNotification {
  operation: 'Scale Out' | 'Scale In';
  scaleSet: ScaleSetRef;
  oldCapacity: number;
  newCapacity: number;
}

export function parseAutoscaleWebhook(input: unknown): Parsed<AutoscaleNotification> {
  if (!isRecord(input) || !isRecord(input.context)) return { ok: false, problems: ['body: expected { operation, context: { resourceId, oldCapacity, newCapacity } }'] };
  const c = input.context;
  const problems: string[] = [];
  if (input.operation !== 'Scale Out' && input.operation !== 'Scale In') problems.push(`operation: ${JSON.stringify(input.operation)} is not "Scale Out" or "Scale In"`);
  const ref = str(c.resourceId) ? scaleSetOf(c.resourceId) : undefined;
  if (!ref) problems.push('context.resourceId: not a scale set resource id (/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Compute/virtualMachineScaleSets/<name>, names as Azure allows them)');
  else {
    // The other context fields autoscale sends must name the same scale set.
    const agrees = (field: string, value: string): void => {
      if (c[field] !== undefined && (typeof c[field] !== 'string' || c[field].toLowerCase() !== value.toLowerCase())) problems.push(`context.${field}: does not match context.resourceId`);
    };
    agrees('subscriptionId', ref.subscriptionId);
    agrees('resourceGroupName', ref.resourceGroup);
    agrees('resourceName', ref.name);
    agrees('resourceType', 'Microsoft.Compute/virtualMachineScaleSets');
  }
  const oldCapacity = Number(c.oldCapacity);
  const newCapacity = Number(c.newCapacity);
  if (!Number.isInteger(oldCapacity) || oldCapacity < 0) problems.push('context.oldCapacity: not a whole number');
  if (!Number.isInteger(newCapacity) || newCapacity < 0) problems.push('context.newCapacity: not a whole number');
  if (problems.length || !ref) return { ok: false, problems };
  return { ok: true, value: { operation: input.operation as AutoscaleNotification['operation'], scaleSet: { subscriptionId: ref.subscriptionId, resourceGroup: ref.resourceGroup, name: ref.name }, oldCapacity, newCapacity } };
}
