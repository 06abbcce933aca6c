using Microsoft.AspNetCore.Routing;
using Npgsql;
using Nuzantara.Backend.Collections;
using Nuzantara.Backend.CollectiveMemory;
using Nuzantara.Backend.Conversations;
using Nuzantara.Backend.Infrastructure.Auth;
using Nuzantara.Backend.Infrastructure.BackgroundWork;
using Nuzantara.Backend.Infrastructure.Database;
using Nuzantara.Backend.Infrastructure.Hooks;
using Nuzantara.Backend.Infrastructure.Http;
using Nuzantara.Backend.Infrastructure.Metrics;
using Nuzantara.Backend.Infrastructure.Outbox;
using Nuzantara.Backend.Infrastructure.RetryQueue;
using Nuzantara.Backend.Infrastructure.Text;
using Nuzantara.Backend.Memory;
using Nuzantara.Backend.Query;
using OpenTelemetry.Metrics;

namespace Nuzantara.Backend;

/// <summary>Composition of the service, shared by <c>Program</c>, the tests and the load tool.</summary>
internal static class BackendApplication
{
    internal const string ConnectionStringName = "Nuzantara";
    private const string ConcurrencyMeter = "Nuzantara.Concurrency";

    /// <summary>A builder with every service registered; <paramref name="settings"/> override configuration first.</summary>
    public static WebApplicationBuilder CreateBuilder(string[] args, IEnumerable<KeyValuePair<string, string?>>? settings = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        AddServices(builder.Services, builder.Configuration);
        return builder;
    }

    public static WebApplication Build(WebApplicationBuilder builder)
    {
        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<RequestBodyLimitMiddleware>();
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapGet("/health", () => TypedResults.Ok("ok")).AllowAnonymous();
        app.MapPrometheusScrapingEndpoint("/metrics").AllowAnonymous();
        app.MapQueryEndpoints();
        app.MapMemoryEndpoints();
        app.MapCollectionEndpoints();
        app.MapConversationEndpoints();
        app.MapCollectiveEndpoints();
        return app;
    }

    private static void AddServices(IServiceCollection services, ConfigurationManager configuration)
    {
        var options = configuration.GetSection(BackendOptions.Section).Get<BackendOptions>() ?? new BackendOptions();
        services.AddOptions<BackendOptions>().Bind(configuration.GetSection(BackendOptions.Section));
        services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(30));
        services.Configure<RouteHandlerOptions>(routes => routes.ThrowOnBadRequest = true);
        services.AddProblemDetails();
        services.AddExceptionHandler<RequestExceptionHandler>();
        services.AddBackendAuthentication(configuration);

        var connectionString = configuration.GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"ConnectionStrings:{ConnectionStringName} is not set (for example ConnectionStrings__{ConnectionStringName}='Host=127.0.0.1;Username=postgres;Database=nuzantara').");
        }

        services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));

        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(ConcurrencyMeter, BackendMetrics.MeterName)
            // No scrape cache: a scrape reflects every measurement made before it (scrapes are cheap and rare).
            .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0));
        services.AddSingleton<BackendMetrics>();

        services.AddSingleton<IBackendHooks, NoHooks>();
        services.AddSingleton(new HashingEmbedder(options.Collections.EmbeddingDimensions));
        services.AddSingleton<DatabaseMigrator>();
        services.AddSingleton<RetryQueue>();
        services.AddSingleton<IEventPublisher, LoggingEventPublisher>();

        // Areas.
        services.AddSingleton<MemoryOrchestrator>();
        services.AddSingleton<MemorySaveService>();
        services.AddSingleton(new CollectionIndexCache(options.Collections.SearchCacheEntries));
        services.AddSingleton<CollectionService>();
        services.AddSingleton(new ConversationCache(options.ConversationCacheCapacity));
        services.AddSingleton<ConversationService>();
        services.AddSingleton<CollectiveMemoryService>();
        services.AddSingleton<IRetryHandler>(sp => sp.GetRequiredService<MemorySaveService>());
        services.AddSingleton<IRetryHandler>(sp => sp.GetRequiredService<ConversationService>());

        // Hosted services start in this order and stop in the reverse one: the schema exists before any worker runs,
        // and tracked background work drains first at shutdown, while the retry queue it may fall back on still works.
        services.AddHostedService<DatabaseMigrationService>();
        services.AddHostedService<MetricsInitializer>();
        services.AddSingleton<RetryQueueWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<RetryQueueWorker>());
        services.AddSingleton<OutboxPublisher>();
        services.AddHostedService(sp => sp.GetRequiredService<OutboxPublisher>());
        services.AddHostedService<ConversationCacheReconciler>();
        services.AddSingleton<BackgroundWork>();
        services.AddHostedService(sp => sp.GetRequiredService<BackgroundWork>());
    }
}
