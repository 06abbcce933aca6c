using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Nuzantara.Analyzers.Analysis.Sql;

/// <summary>A side effect that a database rollback cannot undo.</summary>
internal enum SideEffectKind
{
    Http,
    Message,
    Cache,
    BackgroundWork,
}

/// <summary>
/// Recognises side effects by a small, documented heuristic (docs/rules/NZ4001.md):
/// <list type="bullet">
/// <item>HTTP requests that can change something: <c>HttpClient</c>'s <c>Post</c>/<c>Put</c>/<c>Patch</c>/<c>Delete</c>
/// methods (also the JSON extensions) and <c>Send(Async)</c> unless the request is visibly a <c>GET</c>/<c>HEAD</c>;</item>
/// <item>message publishing: a method whose name starts with <c>Publish</c>, <c>Send</c> or <c>Produce</c> (or contains
/// <c>Publish</c>) on a type whose name contains one of <see cref="MessagingTypeWords"/> — MediatR's in-process
/// dispatch and types named <c>*Outbox*</c> excepted;</item>
/// <item>cache writes: <c>Set*</c>, <c>Remove*</c>, <c>GetOrCreate*</c>, <c>CreateEntry</c> on <c>IDistributedCache</c>,
/// <c>IMemoryCache</c>, <c>HybridCache</c> and their extension classes;</item>
/// <item>background work started and not awaited: <c>Task.Run</c>, <c>TaskFactory.StartNew</c>,
/// <c>ThreadPool.QueueUserWorkItem</c>, or any task discarded with <c>_ = …</c>.</item>
/// </list>
/// </summary>
internal static class SideEffects
{
    /// <summary>Words in a type name that mark a message bus, broker client or sender.</summary>
    internal static readonly ImmutableArray<string> MessagingTypeWords = ImmutableArray.Create("Bus", "Publish", "Producer", "Sender", "Channel", "Queue", "Topic", "Endpoint", "Broker", "Mail", "Smtp");

    private static readonly ImmutableHashSet<string> HttpWrites = ImmutableHashSet.Create(
        StringComparer.Ordinal, "PostAsync", "PutAsync", "PatchAsync", "DeleteAsync", "PostAsJsonAsync", "PutAsJsonAsync", "PatchAsJsonAsync", "DeleteFromJsonAsync");

    private static readonly ImmutableHashSet<string> CacheTypes = ImmutableHashSet.Create(
        StringComparer.Ordinal,
        "Microsoft.Extensions.Caching.Distributed.IDistributedCache",
        "Microsoft.Extensions.Caching.Distributed.DistributedCacheExtensions",
        "Microsoft.Extensions.Caching.Memory.IMemoryCache",
        "Microsoft.Extensions.Caching.Memory.CacheExtensions",
        "Microsoft.Extensions.Caching.Hybrid.HybridCache");

    internal static SideEffectKind? Classify(IInvocationOperation invocation, SqlApis apis, LocalValues locals)
    {
        var method = invocation.TargetMethod;
        var receiverType = invocation.Instance?.Type
            ?? (method.IsExtensionMethod && invocation.Arguments.Length > 0 ? invocation.Arguments[0].Value.WithoutConversions()?.Type : null);
        if (IsHttpWrite(invocation, receiverType, apis, locals))
        {
            return SideEffectKind.Http;
        }

        if (IsCacheWrite(method, receiverType))
        {
            return SideEffectKind.Cache;
        }

        if (IsBackgroundWork(invocation, apis))
        {
            return SideEffectKind.BackgroundWork;
        }

        return IsPublish(method, receiverType) ? SideEffectKind.Message : null;
    }

    private static bool IsHttpWrite(IInvocationOperation invocation, ITypeSymbol? receiverType, SqlApis apis, LocalValues locals)
    {
        if (!SqlApis.Is(receiverType, apis.HttpMessageInvoker))
        {
            return false;
        }

        var name = invocation.TargetMethod.Name;
        if (HttpWrites.Contains(name))
        {
            return true;
        }

        if (name is not ("SendAsync" or "Send"))
        {
            return false;
        }

        // new HttpRequestMessage(HttpMethod.Get, …) is a read: it changes nothing a rollback should undo.
        var request = invocation.Arguments.FirstOrDefault(a => a.Parameter?.Name == "request")?.Value.WithoutConversions();
        if (request is ILocalReferenceOperation { Local: var local })
        {
            request = locals.SingleValue(local).WithoutConversions();
        }

        return !(request is IObjectCreationOperation creation
            && creation.Arguments.FirstOrDefault(a => a.Parameter?.Name == "method")?.Value is IPropertyReferenceOperation { Property.Name: "Get" or "Head" or "Options" });
    }

    private static bool IsCacheWrite(IMethodSymbol method, ITypeSymbol? receiverType)
    {
        var name = method.Name;
        if (!(name.StartsWith("Set", StringComparison.Ordinal) || name.StartsWith("Remove", StringComparison.Ordinal)
            || name.StartsWith("GetOrCreate", StringComparison.Ordinal) || name == "CreateEntry"))
        {
            return false;
        }

        return IsCacheType(method.ContainingType) || IsCacheType(receiverType);
    }

    private static bool IsCacheType(ITypeSymbol? type)
        => type is not null
            && (CacheTypes.Contains(type.OriginalDefinition.ToDisplayString())
                || type.AllInterfaces.Any(i => CacheTypes.Contains(i.OriginalDefinition.ToDisplayString()))
                || (type.BaseType is { } baseType && IsCacheType(baseType)));

    private static bool IsBackgroundWork(IInvocationOperation invocation, SqlApis apis)
    {
        var method = invocation.TargetMethod;
        var started = (SqlApis.Is(method.ContainingType, apis.Task) && method.Name == "Run")
            || (SqlApis.Is(method.ContainingType, apis.TaskFactory) && method.Name == "StartNew")
            || (SqlApis.Is(method.ContainingType, apis.ThreadPool) && method.Name.EndsWith("QueueUserWorkItem", StringComparison.Ordinal));
        var isTask = SqlApis.Is(method.ReturnType, apis.Task) || SqlApis.Is(method.ReturnType, apis.ValueTask);
        IOperation value = invocation;
        while (value.Parent is IConversionOperation)
        {
            value = value.Parent;
        }

        var discarded = value.Parent is ISimpleAssignmentOperation { Target: IDiscardOperation };
        var unobserved = value.Parent is IExpressionStatementOperation || discarded;
        return (started && unobserved) || (isTask && discarded);
    }

    private static bool IsPublish(IMethodSymbol method, ITypeSymbol? receiverType)
    {
        var name = method.Name;
        if (!(name.StartsWith("Publish", StringComparison.Ordinal) || name.StartsWith("Send", StringComparison.Ordinal)
            || name.StartsWith("Produce", StringComparison.Ordinal) || name.Contains("Publish")))
        {
            return false;
        }

        return IsMessagingType(method.ContainingType) || IsMessagingType(receiverType);
    }

    private static bool IsMessagingType(ITypeSymbol? type)
    {
        if (type is null)
        {
            return false;
        }

        var space = type.ContainingNamespace?.ToDisplayString() ?? string.Empty;
        if (space.StartsWith("MediatR", StringComparison.Ordinal) || space.StartsWith("System.Net.Http", StringComparison.Ordinal) || space.StartsWith("System.Threading", StringComparison.Ordinal))
        {
            return false;
        }

        return new[] { type }.Concat(type.AllInterfaces).Any(t => t.Name.IndexOf("Outbox", StringComparison.Ordinal) < 0 && MessagingTypeWords.Any(word => t.Name.Contains(word)))
            && type.Name.IndexOf("Outbox", StringComparison.Ordinal) < 0;
    }

    /// <summary>How a message names what happened already when the transaction rolls back.</summary>
    internal static (string Action, string Consequence) Describe(SideEffectKind kind) => kind switch
    {
        SideEffectKind.Http => ("sends an HTTP request", "the request has been sent all the same"),
        SideEffectKind.Message => ("publishes a message", "the message has been published all the same (write it to an outbox table in the transaction and publish after the commit)"),
        SideEffectKind.Cache => ("writes the cache", "the cache keeps data the database never committed"),
        _ => ("starts background work", "the work already runs, on data that was never committed"),
    };
}
