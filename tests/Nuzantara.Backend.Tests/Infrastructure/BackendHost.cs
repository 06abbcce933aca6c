using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Nuzantara.Backend.Infrastructure.Auth;
using Nuzantara.Backend.Infrastructure.BackgroundWork;
using Nuzantara.Backend.Infrastructure.Hooks;
using Nuzantara.Backend.Infrastructure.Outbox;
using Nuzantara.Backend.Infrastructure.RetryQueue;

namespace Nuzantara.Backend.Tests.Infrastructure;

/// <summary>One instance of the backend, in process on a test server, against a test database.</summary>
internal sealed class BackendHost : IAsyncDisposable
{
    internal const string SigningKey = "backend-tests-signing-key-0123456789abcdef";

    private readonly WebApplication _app;
    private bool _stopped;

    private BackendHost(WebApplication app, TestHooks hooks, HostMetrics metrics)
    {
        _app = app;
        Hooks = hooks;
        Metrics = metrics;
        Tokens = app.Services.GetRequiredService<TokenIssuer>();
    }

    public TestHooks Hooks { get; }

    /// <summary>This host's backend counters, exactly (see <see cref="HostMetrics"/>).</summary>
    public HostMetrics Metrics { get; }

    public IServiceProvider Services => _app.Services;

    public TokenIssuer Tokens { get; }

    /// <summary>Starts an instance; <paramref name="settings"/> override configuration (keys like <c>Backend:Locks:MemorySave</c>).</summary>
    public static async Task<BackendHost> StartAsync(TestDatabase database, IDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Nuzantara"] = database.ConnectionString,
            ["Auth:SigningKey"] = SigningKey,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Nuzantara"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var builder = BackendApplication.CreateBuilder([], all);
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        var hooks = new TestHooks();
        builder.Services.Replace(ServiceDescriptor.Singleton<IBackendHooks>(hooks));
        var app = BackendApplication.Build(builder);
        var metrics = new HostMetrics(app.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        await app.StartAsync();
        return new BackendHost(app, hooks, metrics);
    }

    /// <summary>A client that calls as <paramref name="userId"/>; null for an anonymous one.</summary>
    public HttpClient Client(string? userId)
    {
        var client = _app.GetTestClient();
        client.Timeout = TimeSpan.FromMinutes(2);
        if (userId is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Tokens.Mint(userId));
        }

        return client;
    }

    public T Get<T>()
        where T : notnull => _app.Services.GetRequiredService<T>();

    /// <summary>Waits for tracked background work, then retries everything in the retry queue now.</summary>
    public async Task SettleAsync()
    {
        await Get<BackgroundWork>().WhenIdleAsync().WaitAsync(Gate.Hang);
        await Get<RetryQueueWorker>().DrainAsync(CancellationToken.None, ignoreBackoff: true).WaitAsync(Gate.Hang);
        await Get<OutboxPublisher>().DrainAsync(CancellationToken.None).WaitAsync(Gate.Hang);
    }

    public async Task<string> ScrapeMetricsAsync()
    {
        using var client = Client(null);
        return await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
    }

    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _app.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
        Metrics.Dispose();
    }
}
