using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Nuzantara.Concurrency;

namespace Nuzantara.Backend.Infrastructure.Http;

/// <summary>
/// Turns request-shaped failures into problem details: unreadable JSON and binding failures (400), bodies over the
/// configured limit (413), and a lock the request could not get in time (503 with Retry-After).
/// </summary>
internal sealed partial class RequestExceptionHandler(IProblemDetailsService problemDetails, ILogger<RequestExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, detail) = exception switch
        {
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => (StatusCodes.Status413PayloadTooLarge, "The request is too large.", "The request body exceeds the configured limit."),
            BadHttpRequestException bad when bad.InnerException is System.Text.Json.JsonException => (bad.StatusCode, "The request body is not valid JSON.", bad.InnerException.Message),
            BadHttpRequestException bad => (bad.StatusCode, "The request could not be read.", bad.Message),
            LockTimeoutException timeout => (StatusCodes.Status503ServiceUnavailable, "Busy: try again.", $"The '{timeout.LockName}' lock was not free in time."),
            _ => (0, string.Empty, string.Empty),
        };

        if (status == 0)
        {
            return false;
        }

        if (exception is LockTimeoutException lockTimeout)
        {
            LogLockTimeout(lockTimeout.LockName);
            httpContext.Response.Headers.RetryAfter = "1";
        }

        httpContext.Response.StatusCode = status;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request refused: lock '{LockName}' timed out")]
    private partial void LogLockTimeout(string lockName);
}

/// <summary>Refuses bodies over <see cref="LimitOptions.MaxRequestBodyBytes"/> before anything reads them.</summary>
internal sealed class RequestBodyLimitMiddleware(RequestDelegate next, IOptions<BackendOptions> options)
{
    private readonly long _limit = options.Value.Limits.MaxRequestBodyBytes;

    public async Task InvokeAsync(HttpContext context, IProblemDetailsService problemDetails)
    {
        if (context.Request.ContentLength > _limit)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            await problemDetails.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails =
                {
                    Status = StatusCodes.Status413PayloadTooLarge,
                    Title = "The request is too large.",
                    Detail = $"The request body has {context.Request.ContentLength} bytes; the limit is {_limit}.",
                },
            });
            return;
        }

        // Bodies without a Content-Length (chunked) are cut off by the server at the same limit while being read.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = _limit;
        }

        await next(context);
    }
}
