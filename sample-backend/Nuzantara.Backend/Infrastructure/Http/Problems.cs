using Microsoft.AspNetCore.Http.HttpResults;

namespace Nuzantara.Backend.Infrastructure.Http;

/// <summary>The 4xx answers of the API, always as RFC 9457 problem details.</summary>
internal static class Problems
{
    public static ValidationProblem Invalid(string field, string message)
        => TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: "The request is not valid.");

    public static ValidationProblem Invalid(IDictionary<string, string[]> errors)
        => TypedResults.ValidationProblem(errors, title: "The request is not valid.");

    /// <summary>404: also the answer for another user's ids, so that they are indistinguishable from unknown ones.</summary>
    public static ProblemHttpResult NotFound(string what)
        => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found.", detail: $"No {what} with that id exists for this user.");

    public static ProblemHttpResult Conflict(string detail)
        => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict.", detail: detail);

    public static ProblemHttpResult TooLarge(string detail)
        => TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "The request is too large.", detail: detail);
}

/// <summary>Collects field errors of a request body.</summary>
internal sealed class Validation
{
    private readonly Dictionary<string, string[]> _errors = new(StringComparer.Ordinal);

    public bool IsValid => _errors.Count == 0;

    public IDictionary<string, string[]> Errors => _errors;

    public Validation Require(bool condition, string field, string message)
    {
        if (!condition && !_errors.ContainsKey(field))
        {
            _errors.Add(field, [message]);
        }

        return this;
    }
}
