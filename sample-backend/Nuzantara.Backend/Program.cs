using Nuzantara.Backend;
using Nuzantara.Backend.Infrastructure.Auth;

// `mint-token USER [HOURS]` prints a bearer token for USER signed with the configured key, and exits.
if (args is ["mint-token", var user, ..])
{
    var configuration = new ConfigurationBuilder()
        .AddJsonFile("appsettings.json", optional: true)
        .AddJsonFile($"appsettings.{Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? "Production"}.json", optional: true)
        .AddEnvironmentVariables()
        .Build();
    var auth = configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
    var hours = args.Length > 2 && double.TryParse(args[2], System.Globalization.CultureInfo.InvariantCulture, out var h) ? TimeSpan.FromHours(h) : (TimeSpan?)null;
    Console.WriteLine(new TokenIssuer(auth).Mint(user, hours));
    return 0;
}

var app = BackendApplication.Build(BackendApplication.CreateBuilder(args));
await app.RunAsync();
return 0;
