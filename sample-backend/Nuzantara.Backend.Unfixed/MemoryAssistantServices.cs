using Microsoft.AspNetCore.Authentication.JwtBearer;
using Npgsql;
using Nuzantara.Backend.Unfixed.Collections;
using Nuzantara.Backend.Unfixed.CollectiveMemory;
using Nuzantara.Backend.Unfixed.Conversations;
using Nuzantara.Backend.Unfixed.Infrastructure;
using Nuzantara.Backend.Unfixed.Memory;
using Nuzantara.Backend.Unfixed.Query;

namespace Nuzantara.Backend.Unfixed;

internal static class MemoryAssistantServices
{
    /// <summary>
    /// One instance of each service for the whole process, so that the caches and the per-user locks they hold are
    /// shared by every request. (That is also what makes their unguarded state a race: every request runs on them.)
    /// </summary>
    public static IServiceCollection AddMemoryAssistant(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("Assistant")
            ?? throw new InvalidOperationException("ConnectionStrings:Assistant is not set.");
        services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddAuthorization();
        services.AddMemoryCache();

        services.AddSingleton<SchemaInitializer>();
        services.AddSingleton<IEventBus, LoggingEventBus>();
        services.AddSingleton<QueryService>();
        services.AddSingleton<MemorySaveService>();
        services.AddSingleton<MemoryOrchestrator>();
        services.AddSingleton<CollectionService>();
        services.AddSingleton<ConversationService>();
        services.AddSingleton<CollectiveMemoryService>();
        return services;
    }
}
