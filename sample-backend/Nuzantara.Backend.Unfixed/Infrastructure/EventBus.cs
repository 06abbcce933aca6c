namespace Nuzantara.Backend.Unfixed.Infrastructure;

internal sealed record FactPromoted(long FactId, string Statement, int SupportCount);

/// <summary>Where domain events go (a message broker in production).</summary>
internal interface IEventBus
{
    Task PublishAsync<TEvent>(TEvent domainEvent, CancellationToken cancellationToken);
}

internal sealed partial class LoggingEventBus(ILogger<LoggingEventBus> logger) : IEventBus
{
    public Task PublishAsync<TEvent>(TEvent domainEvent, CancellationToken cancellationToken)
    {
        LogPublished(typeof(TEvent).Name);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Published {EventType}")]
    private partial void LogPublished(string eventType);
}
