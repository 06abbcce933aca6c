namespace Nuzantara.Cli;

/// <summary>Progress and problems on standard error, one line each, so that standard output keeps only the report.</summary>
internal sealed class Progress
{
    private readonly TextWriter _error;
    private readonly bool _quiet;
    private readonly Lock _gate = new();

    /// <summary>Writes to <paramref name="error"/>; <paramref name="quiet"/> keeps progress lines and warnings out, errors still show.</summary>
    public Progress(TextWriter error, bool quiet)
    {
        _error = error;
        _quiet = quiet;
    }

    /// <summary>A progress line, unless quiet.</summary>
    public void Report(string message)
    {
        if (_quiet)
        {
            return;
        }

        lock (_gate)
        {
            _error.WriteLine(message);
        }
    }

    /// <summary>A problem: errors always, warnings unless quiet.</summary>
    public void Report(Problem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        if (_quiet && problem.Severity == ProblemSeverity.Warning)
        {
            return;
        }

        var prefix = problem.Severity == ProblemSeverity.Error ? "error" : "warning";
        lock (_gate)
        {
            _error.WriteLine($"{prefix}: {problem.Message}");
        }
    }
}
