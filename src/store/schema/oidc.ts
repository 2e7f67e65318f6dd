/** The ID token behind a single sign-on web session (for RP-initiated logout). */
export interface OidcSessionTable {
  /** sessions.id (SHA-256 of the cookie token). */
  session_id: string;
  id_token: string;
  created_at: string;
}
