using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;

namespace Nuzantara.Cli.Fixing;

/// <summary>Hands a Fix All the diagnostics computed beforehand, by document.</summary>
internal sealed class KnownDiagnostics : FixAllContext.DiagnosticProvider
{
    private readonly IReadOnlyDictionary<DocumentId, ImmutableArray<Diagnostic>> _byDocument;

    /// <summary>Serves <paramref name="byDocument"/>.</summary>
    public KnownDiagnostics(IReadOnlyDictionary<DocumentId, ImmutableArray<Diagnostic>> byDocument) => _byDocument = byDocument;

    /// <inheritdoc />
    public override Task<IEnumerable<Diagnostic>> GetDocumentDiagnosticsAsync(Document document, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        return Task.FromResult<IEnumerable<Diagnostic>>(_byDocument.TryGetValue(document.Id, out var diagnostics) ? diagnostics : []);
    }

    /// <inheritdoc />
    public override Task<IEnumerable<Diagnostic>> GetProjectDiagnosticsAsync(Project project, CancellationToken cancellationToken)
        => Task.FromResult<IEnumerable<Diagnostic>>([]);

    /// <inheritdoc />
    public override Task<IEnumerable<Diagnostic>> GetAllDiagnosticsAsync(Project project, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(project);
        return Task.FromResult(_byDocument.Where(pair => pair.Key.ProjectId == project.Id).SelectMany(pair => pair.Value));
    }
}
