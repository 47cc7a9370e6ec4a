// The endpoint a client built with `profile:` should use, the way the AWS CLI and the SDKs' shared
// "service-specific endpoints" setting define it (docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html):
//   AWS_IGNORE_CONFIGURED_ENDPOINT_URLS / ignore_configured_endpoint_urls → none of the below
//   AWS_ENDPOINT_URL_<SERVICE>  >  AWS_ENDPOINT_URL  >  the profile's `services` section  >  its endpoint_url
//
// Why this exists: @aws-sdk v3 (checked at client-s3 3.1175.0 / @smithy/core 3.41.1) reads region,
// retries, checksums… from the client's `profile`, but looks the configured endpoint up with no
// profile (@smithy/core/endpoints getEndpointFromConfig → loadConfig(getEndpointUrlConfig(serviceId))()),
// i.e. in AWS_PROFILE or [default]. A client built with `profile: "kr-ingest"` therefore ignores
// `endpoint_url` in [profile kr-ingest] and goes to the regional AWS endpoint. Environment variables
// work either way. The fix below hands the SDK's own endpoint hook the same lookup with the profile.
import { CONFIG_PREFIX_SEPARATOR, loadConfig } from "@smithy/core/config";

type Section = Record<string, string | undefined>;

const IGNORE = {
  environmentVariableSelector: (env: NodeJS.ProcessEnv) => truthy(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS),
  configFileSelector: (profile: Section) => truthy(profile.ignore_configured_endpoint_urls),
  default: false,
};

function truthy(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  return value.trim().toLowerCase() === "true";
}

/** `Secrets Manager` → AWS_ENDPOINT_URL_SECRETS_MANAGER and the `secrets_manager` key of a services section. */
function selectors(serviceId: string) {
  const words = serviceId.split(" ");
  return {
    environmentVariableSelector: (env: NodeJS.ProcessEnv) =>
      env[["AWS_ENDPOINT_URL", ...words.map((w) => w.toUpperCase())].join("_")] ||
      env.AWS_ENDPOINT_URL ||
      undefined,
    configFileSelector: (profile: Section, file?: Record<string, Section>) => {
      if (profile.services) {
        const services = file?.[["services", profile.services].join(CONFIG_PREFIX_SEPARATOR)];
        if (!services) {
          throw new Error(
            `the services section "${profile.services}" named by the profile is not in the shared config file`,
          );
        }
        const key = [words.map((w) => w.toLowerCase()).join("_"), "endpoint_url"].join(
          CONFIG_PREFIX_SEPARATOR,
        );
        if (services[key]) return services[key];
      }
      return profile.endpoint_url || undefined;
    },
    default: undefined,
  };
}

/**
 * The configured endpoint of `serviceId` (the client's `config.serviceId`, e.g. "S3", "Lambda",
 * "Secrets Manager") for `profile`, or undefined for the SDK's regional endpoint.
 */
export async function configuredEndpoint(serviceId: string, profile?: string): Promise<string | undefined> {
  const options = profile ? { profile } : {};
  if (await loadConfig(IGNORE, options)()) return undefined;
  return loadConfig<string | undefined>(selectors(serviceId), options)();
}

/** The part of an SDK client's resolved config the fix touches (internal to the SDK; checked at run time). */
interface EndpointHook {
  serviceId?: string;
  isCustomEndpoint?: boolean;
  serviceConfiguredEndpoint?: () => Promise<string | undefined>;
}

/**
 * Makes a client built with `profile` honour that profile's configured endpoint (see the top of this
 * file). An endpoint given in code still wins, as in the SDK. Returns the client.
 */
export function honourProfileEndpoint<C extends { config: object }>(
  client: C,
  profile: string | undefined,
): C {
  if (!profile) return client; // the SDK's own lookup (AWS_PROFILE or [default]) is right then
  const config = client.config as EndpointHook;
  if (!("serviceConfiguredEndpoint" in config) || typeof config.serviceId !== "string") {
    throw new Error(
      "@kr/aws-clients: this @aws-sdk version resolves configured endpoints differently; check whether it now honours a client's profile (packages/aws-clients/src/endpoint.ts)",
    );
  }
  if (config.isCustomEndpoint) return client;
  const serviceId = config.serviceId;
  let found: Promise<string | undefined> | undefined;
  config.serviceConfiguredEndpoint = () => {
    found ??= configuredEndpoint(serviceId, profile);
    return found;
  };
  return client;
}
