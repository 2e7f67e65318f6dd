/**
 * Who is the customer and who is the agent, and so which stream goes to which
 * channel. SIPREC does not say; we decide, in order:
 *  1. a participant whose AoR or name carries the call's agent id (or DN) is the agent;
 *  2. otherwise, for outbound calls the first participant is the agent, for inbound
 *     (the default) the first participant — the caller — is the customer;
 *  3. streams follow their sending participant (participantstreamassoc); streams with
 *     no association go by label order: first = customer.
 * `leftRole` (config recorder.leftChannel) puts that role on the left.
 *
 * Mid-call (a transfer), roles are never reassigned by who left or joined: a participant
 * already on the call keeps the role it had (`previous`, matched by id or AoR), and a
 * newcomer is the agent when a known customer is still on the call — the customer is
 * the one who stays, the agent is the one transferred to.
 */
import type { SessionInfo } from "./session.ts";

/** A participant with its role and channel. */
export interface AssignedParticipant {
  id: string;
  aor: string | null;
  name: string | null;
  role: "customer" | "agent" | "unknown";
  channel: 0 | 1 | null;
}

/** The channel for each stream label, and the participants' roles. */
export interface ChannelAssignment {
  streams: Map<string, 0 | 1>;
  participants: AssignedParticipant[];
}

function userPart(aor: string | null): string {
  if (!aor) return "";
  const m = /^(?:sips?:|tel:)?([^@;]+)/i.exec(aor);
  return (m?.[1] ?? aor).toLowerCase();
}

function isAgent(p: SessionInfo["participants"][number], ids: string[]): boolean {
  const user = userPart(p.aor);
  const name = (p.name ?? "").toLowerCase();
  return ids.some((id) => user === id || user.endsWith(id) || name.includes(id));
}

/** Roles that stick mid-call: earlier participants' roles, and newcomers after a transfer. */
function stickyRoles(
  session: SessionInfo,
  fresh: Map<string, "customer" | "agent">,
  previous: readonly AssignedParticipant[],
  agentIds: string[],
): void {
  const prior = new Map<string, "customer" | "agent">();
  for (const p of previous) {
    if (p.role === "unknown") continue;
    prior.set(`id:${p.id}`, p.role);
    if (p.aor) prior.set(`aor:${p.aor}`, p.role);
  }
  const priorOf = (p: SessionInfo["participants"][number]) =>
    prior.get(`id:${p.id}`) ?? (p.aor ? prior.get(`aor:${p.aor}`) : undefined);
  const customerStays = session.participants.some((p) => priorOf(p) === "customer");
  for (const p of session.participants) {
    const before = priorOf(p);
    if (before) fresh.set(p.id, before);
    else if (customerStays || (agentIds.length && isAgent(p, agentIds))) fresh.set(p.id, "agent");
  }
}

/**
 * Assigns roles and channels for a session; `previous` is the call's assignment before
 * this update (mid-call), whose roles stick.
 */
export function assignChannels(
  session: SessionInfo,
  leftRole: "customer" | "agent",
  previous: readonly AssignedParticipant[] = [],
): ChannelAssignment {
  const md = session.metadata;
  const ids = [md.agentId, md.dn, md.AgentID, md.agentid].filter((v): v is string => !!v)
    .map((v) => v.toLowerCase());
  const outbound = /^out/i.test(md.direction ?? "");
  const roles = new Map<string, "customer" | "agent">();
  const agent = ids.length ? session.participants.find((p) => isAgent(p, ids)) : undefined;
  if (agent) {
    for (const p of session.participants) roles.set(p.id, p === agent ? "agent" : "customer");
  } else {
    session.participants.forEach((p, i) => {
      const first = i === 0;
      roles.set(p.id, (first !== outbound) ? "customer" : "agent");
    });
  }
  if (previous.length) stickyRoles(session, roles, previous, ids);
  const channelOf = (role: "customer" | "agent"): 0 | 1 => role === leftRole ? 0 : 1;
  const streams = new Map<string, 0 | 1>();
  for (const p of session.participants) {
    const role = roles.get(p.id)!;
    for (const label of p.sends) if (!streams.has(label)) streams.set(label, channelOf(role));
  }
  const unassigned = session.streams.filter((s) => !streams.has(s.label))
    .sort((a, b) => a.label.localeCompare(b.label, undefined, { numeric: true }));
  const taken = new Set(streams.values());
  for (const s of unassigned) {
    const ch: 0 | 1 = !taken.has(channelOf("customer"))
      ? channelOf("customer")
      : channelOf("agent");
    streams.set(s.label, ch);
    taken.add(ch);
  }
  return {
    streams,
    participants: session.participants.map((p) => {
      const role = roles.get(p.id) ?? "unknown";
      const sends = p.sends.find((l) => streams.has(l));
      return {
        id: p.id,
        aor: p.aor,
        name: p.name,
        role,
        channel: sends !== undefined
          ? streams.get(sends)!
          : role === "unknown"
          ? null
          : channelOf(role),
      };
    }),
  };
}
