// Shapes of the hub messages (camelCase JSON from ContactCenter.Desktop.Hubs).

export type AgentState = "loggedOut" | "available" | "reserved" | "onCall" | "wrapUp" | "notReady";
export type CallPhase = "ringing" | "connected" | "wrapUp" | "ended";

export interface CustomerCard {
  id: string;
  name: string;
  tier: string;
  language?: string | null;
  doNotCall: boolean;
  notes?: string | null;
}

export interface InteractionSummary {
  callId: string;
  startedAt: string;
  queue?: string | null;
  agentId?: string | null;
  outcome?: string | null;
  disposition?: string | null;
  notes?: string | null;
  /** True when the caller left a voicemail on that call (audio at /api/interactions/{callId}/voicemail). */
  hasVoicemail?: boolean;
  voicemailSeconds?: number | null;
  transcript?: string | null;
}

export interface OpenCase {
  id: string;
  number: string;
  subject: string;
  status: string;
  priority: string;
  ownerAgentId?: string | null;
  openedAt: string;
  ageSeconds: number;
  age: string;
  slaDueAt?: string | null;
  slaBreached: boolean;
}

export interface ScreenPop {
  callId: string;
  agentId: string;
  caller: string;
  queue: string;
  ivrPath: string;
  waitedSeconds: number;
  customer: CustomerCard | null;
  recentInteractions: InteractionSummary[];
  totalInteractions: number;
  openCases: OpenCase[];
  occurredAt: string;
  isCallback?: boolean;
}

export interface CallbackGivenUp {
  callId: string;
  queue?: string | null;
  number?: string | null;
  agentId?: string | null;
  outcome: string;
  attempts: number;
  reason: string;
  at: string;
}

export interface CallState {
  callId: string;
  agentId: string;
  phase: CallPhase;
  caller?: string | null;
  queue?: string | null;
  ivrPath?: string | null;
  waitedSeconds?: number | null;
  ringingAt?: string | null;
  connectedAt?: string | null;
  endedAt?: string | null;
  wrapUpCompletedAt?: string | null;
  outcome?: string | null;
  endedBy?: string | null;
  endReason?: string | null;
  direction?: "inbound" | "outbound" | "callback";
  customerName?: string | null;
  /** A call back from this work item (a voicemail): no wrap-up of its own. */
  workItemId?: string | null;
}

export type OfferKind = "voicemail" | "previewCallback";
export type WorkPhase = "offered" | "working" | "ended";

/** An offer or work item on the desktop (WorkItemChanged). */
export interface WorkItem {
  callId: string;
  agentId: string;
  kind: OfferKind;
  phase: WorkPhase;
  caller?: string | null;
  queue?: string | null;
  ivrPath?: string | null;
  waitedSeconds?: number | null;
  offeredAt: string;
  expiresAt?: string | null;
  acceptedAt?: string | null;
  endReason?: string | null;
  pop?: ScreenPop | null;
  voicemailCallId?: string | null;
  voicemailSeconds?: number | null;
  callBackId?: string | null;
}

/** The answer to the hub's Dial(number, customerId). */
export interface DialResult {
  callId: string;
  accepted: boolean;
  reason?: string | null;
  number: string;
  customerName?: string | null;
}

/** Routing refused an outbound call the agent dialled. */
export interface OutboundRefused {
  callId: string;
  number: string;
  reason: string;
}

export interface AgentStateView {
  agentId: string;
  displayName?: string | null;
  state: AgentState;
  previous: AgentState;
  reason?: string | null;
  callId?: string | null;
  since: string;
  desktopConnected: boolean;
  /** The queue of the agent's current call, when known. */
  queue?: string | null;
}

export interface QueueStatistics {
  queue: string;
  waiting: number;
  longestWaitSeconds: number;
  offered: number;
  answered: number;
  abandoned: number;
  serviceLevel: number;
  averageSpeedOfAnswerSeconds: number;
  averageHandleTimeSeconds: number;
  abandonmentRate: number;
  occupancy: number;
  estimatedWaitSeconds: number;
  agentsByState: Partial<Record<AgentState, number>>;
  occurredAt: string;
}

/** A customer from GET /api/customers (fields beyond id/name are optional). */
export interface CustomerListItem {
  id: string;
  name: string;
  tier?: string;
  doNotCall?: boolean;
  phones?: unknown;
  phoneNumbers?: unknown;
  phone?: string;
}

/** How a supervisor is in an agent's call (issue 18). */
export type MonitorMode = "listen" | "whisper" | "barge" | "takeOver" | "leave";

/** A step of a supervisor's session in an agent's call (board; the agent's desktop when the setting allows). */
export interface MonitoringView {
  monitoringId: string;
  callId?: string | null;
  agentId: string;
  supervisorId: string;
  mode: MonitorMode;
  phase: "ringing" | "started" | "modeChanged" | "ended" | "refused";
  reason?: string | null;
  at: string;
}
