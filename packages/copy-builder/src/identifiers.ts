// Moved to @kr/contract (identifiers are shared with the settings readers); kept so SQL builders'
// relative imports keep working.
export {
  isIdentifier,
  qualifiedName,
  quoteIdent,
  quoteLiteral,
  UnsafeSqlValueError,
  validateBucket,
  validateIdentifier,
  validateKey,
  validateRegion,
  validateRoleArn,
} from "@kr/contract";
