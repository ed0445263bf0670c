import type { Authenticator } from './authenticator.js';
import type { ManagedApiKeys } from './authenticators/api-key-factory.js';
import type { VerifierHandle } from './verifier-registry.js';
import type { AuthMethodName, AuthSettingsConfig } from '../config/schema-auth.js';

/** What an authentication method's factory may use when compiling a deployment's gate. */
export interface MethodContext {
  readonly deploymentId: string;
  readonly serviceId: string;
  readonly settings: AuthSettingsConfig;
  /** The deployment inherits its version's settings (service-wide keys apply) rather than overriding them. */
  readonly inherited: boolean;
}

/** What one plan's compile step holds for its authenticators (released with the plan). */
export interface PlanAuthResources {
  /** The JWT verifiers of the providers this plan uses, by provider id. */
  readonly verifiers: ReadonlyMap<string, VerifierHandle>;
  /** API keys created through the admin API, as this plan's snapshot has them. */
  readonly managedApiKeys?: ManagedApiKeys;
}

export type AuthenticatorFactory = (context: MethodContext, resources: PlanAuthResources) => Authenticator;

/** A method name that needs an authenticator (`public` needs none). */
export type AuthenticatedMethod = Exclude<AuthMethodName, 'public'>;

/**
 * Authentication methods by name, built once at start-up from what provides them (the
 * file's `apiKeys` and `jwt`, the token service's `gatehouse`) and handed to every
 * compile. `public` needs no authenticator; every other method a deployment lists must
 * be registered, or compilation fails (fail closed).
 */
export class MethodRegistry {
  private readonly factories = new Map<AuthenticatedMethod, AuthenticatorFactory>();

  register(method: AuthenticatedMethod, factory: AuthenticatorFactory): this {
    this.factories.set(method, factory);
    return this;
  }

  has(method: AuthenticatedMethod): boolean {
    return this.factories.has(method);
  }

  /** The methods a deployment may list on this server: `public` and every registered one. */
  names(): ReadonlySet<AuthMethodName> {
    return new Set<AuthMethodName>(['public', ...this.factories.keys()]);
  }

  /** The registry as one compile step sees it: factories bound to that plan's resources. */
  forPlan(resources: PlanAuthResources): PlanMethods {
    return {
      has: (method) => this.factories.has(method),
      create: (method, context) => {
        const factory = this.factories.get(method);
        if (!factory)
          throw new Error(
            `deployment ${context.deploymentId}: authentication method "${method}" is not available in this configuration`,
          );
        return factory(context, resources);
      },
    };
  }
}

/** The methods available to one compile step (MethodRegistry.forPlan). */
export interface PlanMethods {
  has(method: AuthenticatedMethod): boolean;
  create(method: AuthenticatedMethod, context: MethodContext): Authenticator;
}
