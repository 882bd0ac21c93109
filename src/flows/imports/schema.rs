//! What the spec says of an import line's `password_hash`: a string in one of the accepted
//! formats, or a Keycloak credential object. The field itself is read as JSON and checked
//! by `password::legacy` (record.rs); these types only describe it, so that generated
//! clients get `string | KeycloakCredential` rather than an empty object.

use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
use utoipa::openapi::{Ref, RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use crate::password::legacy::bounds::MAX_HASH_LEN;

/// A password hash in one of the accepted formats, or a Keycloak password credential.
pub struct PasswordHash;

impl PartialSchema for PasswordHash {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .max_length(Some(MAX_HASH_LEN))
                    .description(Some(
                        "A hash in one of the accepted formats (README, \"Migrating to passgate\").",
                    )),
            )
            .item(Ref::from_schema_name("KeycloakCredential"))
            .into()
    }
}

impl ToSchema for PasswordHash {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((
            KeycloakCredential::name().into_owned(),
            KeycloakCredential::schema(),
        ));
    }
}

/// A Keycloak password credential exactly as a realm export holds it; other members of
/// the export (`id`, `createdDate`, `priority`, …) are allowed and not kept.
#[derive(ToSchema)]
#[schema(example = json!({"type": "password",
    "secretData": "{\"value\":\"…base64…\",\"salt\":\"…base64…\",\"additionalParameters\":{}}",
    "credentialData": "{\"hashIterations\":27500,\"algorithm\":\"pbkdf2-sha256\",\"additionalParameters\":{}}"}))]
#[allow(dead_code)] // Describes JSON that record.rs reads as a value.
pub struct KeycloakCredential {
    #[schema(rename = "type", pattern = "^password$")]
    kind: String,
    /// JSON text: `value` and `salt`, base64.
    #[schema(rename = "secretData")]
    secret_data: String,
    /// JSON text: `algorithm` (`pbkdf2`, `pbkdf2-sha256`, `pbkdf2-sha512`, `argon2`),
    /// `hashIterations` and `additionalParameters` (Keycloak's defaults where absent).
    #[schema(rename = "credentialData")]
    credential_data: String,
}
