import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { TokensConfig } from '../config/schema-tokens.js';
import type { SigningKeys } from './signing.js';
import type { TokenUser } from './users.js';

export interface IssuedJwt {
  readonly jwt: string;
  readonly jti: string;
  /** Lifetime in seconds (the answer's `duration`). */
  readonly duration: number;
}

/**
 * Signs a Gatehouse JWT for a user: `sub`, `preferred_username`, `groups`, `scope`
 * (space-separated), `jti`, `iat`, `exp`, `iss`, `aud`, and `sid` when the token comes
 * from a refresh-token session (strict deployments refuse it once the session is revoked).
 */
export class JwtIssuer {
  constructor(
    private readonly keys: SigningKeys,
    private readonly clock: Clock,
    private readonly config: () => TokensConfig,
  ) {}

  async issue(user: TokenUser, sessionId: string | undefined): Promise<IssuedJwt> {
    const { issuer, audience, jwtLifetimeSec } = this.config();
    const iat = Math.floor(this.clock.now() / 1000);
    const jti = randomBytes(16).toString('base64url');
    const jwt = await this.keys.current().sign({
      sub: user.id,
      preferred_username: user.id,
      groups: [...user.groups],
      scope: user.scopes.join(' '),
      jti,
      iat,
      exp: iat + jwtLifetimeSec,
      iss: issuer,
      aud: audience,
      ...(sessionId === undefined ? {} : { sid: sessionId }),
    });
    return { jwt, jti, duration: jwtLifetimeSec };
  }
}
