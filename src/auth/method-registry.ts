import type { Authenticator } from './authenticator.js';
import type { AuthMethodName, AuthSettingsConfig } from '../config/schema-auth.js';

/** What an authentication method's factory may use when compiling a deployment's gate. */
export interface MethodContext {
  readonly deploymentId: string;
  readonly serviceId: string;
  readonly settings: AuthSettingsConfig;
  /** The deployment inherits its version's settings (service-wide keys apply) rather than overriding them. */
  readonly inherited: boolean;
}

export type AuthenticatorFactory = (context: MethodContext) => Authenticator;

/**
 * Authentication methods by name. `public` needs no authenticator; every other method
 * listed by a deployment must be registered, or compilation fails (fail closed). The
 * token service registers `gatehouse`, TLS client-certificate support registers `mtls`.
 */
export class MethodRegistry {
  private readonly factories = new Map<AuthMethodName, AuthenticatorFactory>();

  register(method: Exclude<AuthMethodName, 'public'>, factory: AuthenticatorFactory): this {
    this.factories.set(method, factory);
    return this;
  }

  has(method: Exclude<AuthMethodName, 'public'>): boolean {
    return this.factories.has(method);
  }

  create(method: Exclude<AuthMethodName, 'public'>, context: MethodContext): Authenticator {
    const factory = this.factories.get(method);
    if (!factory)
      throw new Error(
        `deployment ${context.deploymentId}: authentication method "${method}" is not available in this configuration`,
      );
    return factory(context);
  }
}
