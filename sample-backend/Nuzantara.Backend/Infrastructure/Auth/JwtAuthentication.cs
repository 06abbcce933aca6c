using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Nuzantara.Backend.Infrastructure.Auth;

/// <summary>The <c>Auth</c> configuration section: HS256 bearer tokens signed with a shared key.</summary>
internal sealed class AuthOptions
{
    internal const string Section = "Auth";

    public string Issuer { get; init; } = "nuzantara-backend";

    public string Audience { get; init; } = "nuzantara";

    /// <summary>At least 32 bytes of UTF-8; never committed for production (set <c>Auth__SigningKey</c>).</summary>
    public string SigningKey { get; init; } = string.Empty;

    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromHours(8);

    internal SymmetricSecurityKey CreateKey()
    {
        var bytes = Encoding.UTF8.GetBytes(SigningKey);
        if (bytes.Length < 32)
        {
            throw new InvalidOperationException(
                "Auth:SigningKey must be set to at least 32 bytes (for example with the environment variable Auth__SigningKey).");
        }

        return new SymmetricSecurityKey(bytes);
    }
}

internal static class JwtAuthentication
{
    /// <summary>Validates HS256 tokens from the configured issuer and audience; the user id is the <c>sub</c> claim.</summary>
    public static IServiceCollection AddBackendAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        var key = options.CreateKey();
        services.AddSingleton(options);
        services.AddSingleton<TokenIssuer>();
        services
            .AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(jwt =>
            {
                jwt.MapInboundClaims = false;
                jwt.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = options.Issuer,
                    ValidAudience = options.Audience,
                    IssuerSigningKey = key,
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    NameClaimType = JwtRegisteredClaimNames.Sub,
                    ClockSkew = TimeSpan.FromSeconds(30),
                };
            });
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        return services;
    }

    /// <summary>The caller's user id; endpoints run only for authenticated callers (the fallback policy).</summary>
    public static string UserId(this ClaimsPrincipal principal)
        => principal.FindFirstValue(JwtRegisteredClaimNames.Sub)
            ?? throw new InvalidOperationException("An authenticated principal without a 'sub' claim.");
}

/// <summary>Mints tokens for the <c>mint-token</c> command, the load tool and the tests.</summary>
internal sealed class TokenIssuer(AuthOptions options)
{
    private readonly SigningCredentials _credentials = new(options.CreateKey(), SecurityAlgorithms.HmacSha256);

    public string Mint(string userId, TimeSpan? lifetime = null)
    {
        if (!UserIds.IsValid(userId))
        {
            throw new ArgumentException($"A user id is 1 to {UserIds.MaxLength} letters, digits, '.', '_', '-' or '@'.", nameof(userId));
        }

        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = options.Issuer,
            Audience = options.Audience,
            Claims = new Dictionary<string, object> { [JwtRegisteredClaimNames.Sub] = userId },
            IssuedAt = now,
            NotBefore = now,
            Expires = now + (lifetime ?? options.TokenLifetime),
            SigningCredentials = _credentials,
        });
    }
}

internal static class UserIds
{
    internal const int MaxLength = 64;

    internal static bool IsValid(string? userId)
        => userId is { Length: > 0 and <= MaxLength } && userId.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '@');
}
