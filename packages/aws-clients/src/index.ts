// @kr/aws-clients: AWS SDK clients that find their endpoint the way the AWS CLI does, so every tool of
// the project points at any AWS-compatible endpoint through the standard settings alone
// (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>, a profile's endpoint_url or services section).
export { configuredEndpoint, honourProfileEndpoint } from "./endpoint";
