/** The demo's small organisation: who is who, and on which platform. */
export const ORG = {
  admin: { slack: 'UADA', name: 'Ada Admin', email: 'ada@acme.example' },
  responders: [
    { slack: 'URITA', name: 'Rita Responder', email: 'rita@acme.example' },
    { slack: 'URAY', name: 'Ray Responder', email: 'ray@acme.example' },
  ],
  slackGuest: { slack: 'UGUS', name: 'Gus Guest', email: 'gus@partner.example' },
  teamsStakeholders: [
    { id: '29:tina', aadObjectId: 'aad-tina', name: 'Tina Teams', email: 'tina@acme.example' },
    { id: '29:theo', aadObjectId: 'aad-theo', name: 'Theo Teams', email: 'theo@acme.example' },
  ],
  external: { name: 'Erin External', email: 'erin@customer.example' },
} as const;

/** Each stakeholder's expected messages, as the rules predict (PRODUCT §2, §3). */
export const STAKEHOLDERS = [
  { name: ORG.slackGuest.name, email: ORG.slackGuest.email, channel: 'slack' },
  { name: ORG.teamsStakeholders[0].name, email: ORG.teamsStakeholders[0].email, channel: 'teams' },
  { name: ORG.teamsStakeholders[1].name, email: ORG.teamsStakeholders[1].email, channel: 'teams' },
  { name: ORG.external.name, email: ORG.external.email, channel: 'email' },
] as const;
