using System.Text.Json.Nodes;
using DataVault.Vault.Problems;
using DataVault.Vault.Views;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;

namespace DataVault.Vault.Api;

/// <summary>Marks an endpoint that needs <c>X-Purpose</c> (<see cref="RequestPurpose.RequirePurpose"/>): the OpenAPI document declares the header on it.</summary>
public sealed class PurposeRequiredMetadata
{
    public static readonly PurposeRequiredMetadata Instance = new();
}

/// <summary>
/// The OpenAPI document (<c>/openapi/v1.json</c>) written so the API can be used from it alone (issue
/// 15, item 5): the OAuth2 client-credentials scheme with its token endpoint and the bearer scheme,
/// security on every operation that needs a token, <c>X-Purpose</c> with the purpose codes as an enum
/// on every data operation, every problem response as <c>application/problem+json</c> with the stable
/// codes as an enum, 429 with <c>Retry-After</c> where a rate limit applies, and the discovery document
/// as <c>x-openid-configuration</c>. docs/openapi.md.
/// </summary>
internal static class OpenApiSetup
{
    public const string OAuth2 = "oauth2";
    public const string Bearer = "bearer";
    public const string TokenPath = "/connect/token";
    public const string DiscoveryPath = "/.well-known/openid-configuration";
    public const string ProblemSchema = "Problem";

    /// <summary>The scope an API client asks its token for.</summary>
    public const string Scope = DataVault.Identity.Units.UnitClaims.ApiScope;

    /// <summary>Statuses every authenticated operation can answer, whatever it declares: no token, wrong role or unit.</summary>
    private static readonly int[] AuthStatuses = [StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden];

    public static IServiceCollection AddVaultOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer(DescribeDocumentAsync);
            options.AddOperationTransformer(DescribeOperationAsync);
        });

    /// <summary>Adds the purpose filter and the metadata that puts <c>X-Purpose</c> in the document.</summary>
    public static TBuilder RequirePurpose<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.AddEndpointFilter(RequestPurpose.RequirePurpose);
        builder.WithMetadata(PurposeRequiredMetadata.Instance);
        return builder;
    }

    private static Task DescribeDocumentAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken ct)
    {
        document.Info.Title = "DataVault API";
        document.Info.Description =
            "社区数据保险库：一次采集，分级加密，按角色和用途提供视图，每次访问均记入居民可查的防篡改日志。\n\n" +
            "DataVault: resident data collected once, encrypted field by field, served to each role as a scoped view for a stated purpose; every access is in a tamper-evident log the resident can read.\n\n" +
            $"Get a token with the OAuth2 client-credentials grant at `{TokenPath}` (discovery: `{DiscoveryPath}`); send it as `Authorization: Bearer …`. " +
            "Data operations need `X-Purpose` (one of the purpose codes, `GET /api/v1/purposes`). Errors are RFC 9457 problems with a stable `code`.";
        // Served relative to wherever the vault runs: the request's own origin, not a fixed server.
        document.Servers = [new OpenApiServer { Url = "/", Description = "this vault" }];
        document.Extensions ??= new Dictionary<string, IOpenApiExtension>();
        document.Extensions["x-openid-configuration"] = new JsonNodeExtension(JsonValue.Create(DiscoveryPath));
        document.Extensions["x-token-endpoint"] = new JsonNodeExtension(JsonValue.Create(TokenPath));
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[OAuth2] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.OAuth2,
            Description = "API clients (a unit: role, jurisdiction, department) get a token with client credentials.",
            Flows = new OpenApiOAuthFlows
            {
                ClientCredentials = new OpenApiOAuthFlow { TokenUrl = new Uri(TokenPath, UriKind.Relative), Scopes = new Dictionary<string, string> { [Scope] = "DataVault API" } },
            },
        };
        document.Components.SecuritySchemes[Bearer] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = $"The access token from {TokenPath} (or a resident's, from the sign-in flow).",
        };
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas[ProblemSchema] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "RFC 9457 problem details. Match on `code`; `title` and `detail` are Chinese first, then English, and never carry a field value (docs/errors.md).",
            Required = new HashSet<string> { "code", "status", "title" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["type"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["title"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
                ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["code"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Description = "The stable code (docs/errors.md). A 4xx the catalog has no entry for carries http_NNN.",
                    Enum = [.. ProblemCatalog.All.Select(p => (JsonNode)JsonValue.Create(p.Code)!)],
                },
            },
        };
        return Task.CompletedTask;
    }

    private static Task DescribeOperationAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var anonymous = metadata.OfType<IAllowAnonymous>().Any();
        var path = "/" + (context.Description.RelativePath ?? "");
        operation.Responses ??= [];
        if (anonymous)
        {
            // Stated, not left out: anyone may call it (the log's keys and checkpoints serve witnesses and verifiers).
            operation.Security = [];
        }
        else if (path.StartsWith("/api/", StringComparison.Ordinal))
        {
            operation.Security =
            [
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(OAuth2, context.Document)] = [Scope] },
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Bearer, context.Document)] = [] },
            ];
            foreach (var status in AuthStatuses)
            {
                operation.Responses.TryAdd(status.ToString(System.Globalization.CultureInfo.InvariantCulture), new OpenApiResponse());
            }
        }
        if (metadata.OfType<PurposeRequiredMetadata>().Any())
        {
            var purposes = context.ApplicationServices.GetRequiredService<PurposeCatalog>();
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = RequestPurpose.Header,
                In = ParameterLocation.Header,
                Required = true,
                Description = "用途 / The purpose of this request (purposes.csv; GET /api/v1/purposes lists them with their legal basis). Logged with every access.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [.. purposes.All.OrderBy(p => p.Code, StringComparer.Ordinal).Select(p => (JsonNode)JsonValue.Create(p.Code)!)] },
            });
            operation.Responses.TryAdd("400", new OpenApiResponse());
        }
        if (metadata.OfType<EnableRateLimitingAttribute>().Any())
        {
            operation.Responses["429"] = new OpenApiResponse
            {
                Headers = new Dictionary<string, IOpenApiHeader>
                {
                    ["Retry-After"] = new OpenApiHeader { Description = "Seconds until the limit lets this caller in again.", Schema = new OpenApiSchema { Type = JsonSchemaType.Integer } },
                },
            };
        }
        // Every 4xx/5xx as a problem with the stable codes, whether the endpoint declared its body or not.
        foreach (var (status, response) in operation.Responses.ToList())
        {
            if (!int.TryParse(status, out var code) || code < 400 || response is not OpenApiResponse concrete)
            {
                continue;
            }
            concrete.Description ??= ProblemCatalog.All.FirstOrDefault(p => p.Status == code)?.Title ?? "Problem";
            concrete.Content ??= new Dictionary<string, OpenApiMediaType>();
            concrete.Content.Clear();
            concrete.Content["application/problem+json"] = new OpenApiMediaType { Schema = new OpenApiSchemaReference(ProblemSchema, context.Document) };
        }
        return Task.CompletedTask;
    }
}
