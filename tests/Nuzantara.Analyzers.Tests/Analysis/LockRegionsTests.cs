using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Nuzantara.Analyzers.Analysis;
using Nuzantara.Analyzers.Tests.Verifiers;

namespace Nuzantara.Analyzers.Tests.Analysis;

/// <summary>The lock-region model on its own: shapes, guarded statements, awaits, and what it leaves alone.</summary>
public sealed class LockRegionsTests
{
    [Fact]
    public void AwaitedWaitThenTryFinally_IsTryFinally_AndGuardsTheTryBlockOnly()
    {
        var body = Body("""
            private readonly SemaphoreSlim _gate = new(1, 1);
            private int _count;

            public async Task Run(CancellationToken cancellationToken)
            {
                await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    _count++;
                }
                finally
                {
                    _gate.Release();
                }

                _count--;
            }
            """);

        var region = Assert.Single(body.Regions.Regions);
        Assert.Equal(LockRegionKind.TryFinally, region.Kind);
        Assert.True(region.IsReleaseGuaranteed);
        Assert.Equal("SemaphoreSlim '_gate'", region.Describe());
        Assert.Equal("_gate.Release()", Assert.Single(region.Releases).Invocation.Syntax.ToString());
        Assert.Same(region, Assert.Single(body.Regions.Holding(body.Statement("_count++;"))));
        Assert.Empty(body.Regions.Holding(body.Statement("_count--;")));
    }

    [Fact]
    public void LockStatementsAndUsingReleasers_AreRegions_WithStructuralEnds()
    {
        var body = Body("""
            private readonly object _sync = new();
            private readonly Nito.AsyncEx.AsyncLock _nito = new();
            private readonly Nuzantara.Concurrency.AsyncLock _runtime = new();
            private int _a, _b, _c, _d;

            public async Task Run()
            {
                lock (_sync)
                {
                    _a++;
                }

                using (await _nito.LockAsync())
                {
                    _b++;
                }

                using var handle = await _runtime.LockAsync().ConfigureAwait(false);
                _c++;
                _d++;
            }
            """);

        Assert.Equal([LockRegionKind.LockStatement, LockRegionKind.Using, LockRegionKind.Using], body.Regions.Regions.Select(r => r.Kind));
        Assert.Equal("_sync", Assert.Single(body.Regions.Holding(body.Statement("_a++;"))).TargetSymbol?.Name);
        Assert.Equal("_nito", Assert.Single(body.Regions.Holding(body.Statement("_b++;"))).TargetSymbol?.Name);
        Assert.Equal("_runtime", Assert.Single(body.Regions.Holding(body.Statement("_d++;"))).TargetSymbol?.Name);
        Assert.All(body.Regions.Regions, r => Assert.True(r.IsReleaseGuaranteed));
    }

    [Fact]
    public void ReaderWriterLockSlim_RegionsCarryTheirMode_AndPairByMode()
    {
        var body = Body("""
            private readonly ReaderWriterLockSlim _entries = new();
            private int _version;

            public int Run()
            {
                _entries.EnterReadLock();
                try
                {
                    return _version;
                }
                finally
                {
                    _entries.ExitReadLock();
                }
            }
            """);

        var region = Assert.Single(body.Regions.Regions);
        Assert.Equal(LockRegionKind.TryFinally, region.Kind);
        Assert.Equal("read", region.Mode);
        Assert.True(region.IsThreadAffine);
    }

    [Fact]
    public void ReleaseOutsideFinally_IsUnprotected_AndNamesTheRelease()
    {
        var body = Body("""
            private readonly object _sync = new();
            private int _count;

            public void Run()
            {
                Monitor.Enter(_sync);
                _count++;
                Monitor.Exit(_sync);
            }
            """);

        var region = Assert.Single(body.Regions.Regions);
        Assert.Equal(LockRegionKind.Unprotected, region.Kind);
        Assert.False(region.IsReleaseGuaranteed);
        Assert.Equal("Monitor.Exit(_sync);", region.Breaker?.ToString());
        Assert.Single(body.Regions.Holding(body.Statement("_count++;")));
    }

    [Fact]
    public void ReturnBeforeTheRelease_IsEarlyExit_UnlessItReleasesFirst()
    {
        var body = Body("""
            private readonly SemaphoreSlim _gate = new(1, 1);
            private readonly Dictionary<string, string> _cache = new();

            public async Task<string?> Run(string key, bool stop)
            {
                await _gate.WaitAsync(TimeSpan.FromSeconds(1));
                if (stop)
                {
                    _gate.Release();
                    return null;
                }

                if (_cache.TryGetValue(key, out var hit))
                    return hit;
                _gate.Release();
                return null;
            }
            """);

        var region = Assert.Single(body.Regions.Regions);
        Assert.Equal(LockRegionKind.EarlyExit, region.Kind);
        Assert.Equal("return hit;", region.Breaker?.ToString());
        Assert.Equal(2, region.Releases.Length);
    }

    [Fact]
    public void LoopExits_LeaveTheRegionOnlyWhenTheLoopEnclosesTheAcquisition()
    {
        var body = Body("""
            private readonly object _sync = new();
            private readonly List<int> _items = new();

            public void Run(int[] batch)
            {
                Monitor.Enter(_sync);
                foreach (var item in batch)
                {
                    if (item < 0)
                        continue;
                    _items.Add(item);
                }
                Monitor.Exit(_sync);

                foreach (var item in batch)
                {
                    Monitor.Enter(_sync);
                    if (item == 0)
                        continue;
                    _items.Remove(item);
                    Monitor.Exit(_sync);
                }
            }
            """);

        Assert.Equal([LockRegionKind.Unprotected, LockRegionKind.EarlyExit], body.Regions.Regions.Select(r => r.Kind));
        Assert.Equal("continue;", body.Regions.Regions[1].Breaker?.ToString());
    }

    [Fact]
    public void StatementBetweenAcquireAndTry_IsStatementBeforeTry()
    {
        var body = Body("""
            private readonly SemaphoreSlim _gate = new(1, 1);

            public async Task Run(Action log)
            {
                await _gate.WaitAsync();
                log();
                try { }
                finally { _gate.Release(); }
            }
            """);

        var region = Assert.Single(body.Regions.Regions);
        Assert.Equal(LockRegionKind.StatementBeforeTry, region.Kind);
        Assert.Equal("log();", region.Breaker?.ToString());
    }

    [Fact]
    public void WaitInsideTheTryItsFinallyReleases_IsAcquiredInsideTry()
    {
        var body = Body("""
            private readonly SemaphoreSlim _gate = new(1, 1);

            public async Task Run(CancellationToken cancellationToken)
            {
                try
                {
                    await _gate.WaitAsync(cancellationToken);
                }
                finally
                {
                    _gate.Release();
                }
            }
            """);

        var region = Assert.Single(body.Regions.Regions);
        Assert.Equal(LockRegionKind.AcquiredInsideTry, region.Kind);
        Assert.Equal("await _gate.WaitAsync(cancellationToken);", region.Breaker?.ToString());
    }

    [Fact]
    public void FinallyThatReleasesOnlyWhatWasTaken_IsFlagGuarded()
    {
        var body = Body("""
            private readonly object _sync = new();
            private readonly SemaphoreSlim _gate = new(1, 1);
            private readonly ReaderWriterLockSlim _entries = new();

            public async Task Run(TimeSpan timeout)
            {
                var taken = false;
                try
                {
                    Monitor.Enter(_sync, ref taken);
                }
                finally
                {
                    if (taken) Monitor.Exit(_sync);
                }

                var acquired = false;
                try
                {
                    acquired = await _gate.WaitAsync(timeout);
                }
                finally
                {
                    if (acquired)
                    {
                        _gate.Release();
                    }
                }

                try
                {
                    _entries.EnterWriteLock();
                }
                finally
                {
                    if (_entries.IsWriteLockHeld) _entries.ExitWriteLock();
                }
            }
            """);

        Assert.Equal(3, body.Regions.Regions.Length);
        Assert.All(body.Regions.Regions, r => Assert.Equal(LockRegionKind.FlagGuardedTryFinally, r.Kind));
    }

    [Fact]
    public void TryAcquireChecks_LeadToTheTry()
    {
        var body = Body("""
            private readonly SemaphoreSlim _gate = new(1, 1);
            private readonly TimeSpan _timeout = TimeSpan.FromSeconds(1);

            public async Task<bool> Run(CancellationToken cancellationToken)
            {
                if (!await _gate.WaitAsync(_timeout, cancellationToken).ConfigureAwait(false))
                {
                    return false;
                }
                try { } finally { _gate.Release(); }

                if (_gate.Wait(0))
                {
                    try { } finally { _gate.Release(); }
                }

                var acquired = await _gate.WaitAsync(_timeout, cancellationToken);
                if (!acquired) return false;
                try { } finally { _gate.Release(); }

                if (await _gate.WaitAsync(_timeout) is false) throw new TimeoutException();
                _gate.Release();
                return true;
            }
            """);

        Assert.Equal(
            [LockRegionKind.TryFinally, LockRegionKind.TryFinally, LockRegionKind.TryFinally, LockRegionKind.AdjacentRelease],
            body.Regions.Regions.Select(r => r.Kind));
    }

    [Fact]
    public void AcquisitionInALoopOrBranchWithoutBraces_GoesOnAfterTheEnclosingStatement()
    {
        var body = Body("""
            private readonly SemaphoreSlim _pool = new(8, 8);
            private readonly object _sync = new();

            public async Task Run(int permits, bool exclusive)
            {
                for (var i = 0; i < permits; i++)
                    await _pool.WaitAsync();
                try { } finally { _pool.Release(permits); }

                if (exclusive)
                    Monitor.Enter(_sync);
                else
                    Monitor.Enter(_sync);
                permits++;
                Monitor.Exit(_sync);
            }
            """);

        Assert.Equal(
            [LockRegionKind.TryFinally, LockRegionKind.Unprotected, LockRegionKind.Unprotected],
            body.Regions.Regions.Select(r => r.Kind));
        Assert.All(body.Regions.Regions.Skip(1), r => Assert.Equal("permits++;", r.FirstHeld?.ToString()));
    }

    [Fact]
    public void ReleaseInACatchThatRethrows_IsReleasedOnFailure()
    {
        var body = Body("""
            private readonly SemaphoreSlim _gate = new(1, 1);

            public async Task<IDisposable> Run(Func<IDisposable> open)
            {
                await _gate.WaitAsync();
                try
                {
                    return open();
                }
                catch
                {
                    _gate.Release();
                    throw;
                }
            }
            """);

        Assert.Equal(LockRegionKind.ReleasedOnFailure, Assert.Single(body.Regions.Regions).Kind);
    }

    [Fact]
    public void AcquisitionReleasedElsewhere_IsHandedOn_AndAReturnedReleaserFormsNoRegion()
    {
        var body = Body("""
            private readonly SemaphoreSlim _gate = new(1, 1);
            private readonly Nuzantara.Concurrency.AsyncLock _lock = new();

            public async Task<Nuzantara.Concurrency.LockHandle> Run()
            {
                await _gate.WaitAsync();
                _ = Task.Run(() => _gate.Release());
                return await _lock.LockAsync();
            }
            """);

        var region = Assert.Single(body.Regions.Regions);
        Assert.Equal(LockRegionKind.HandedOn, region.Kind);
        Assert.Equal("_gate", region.TargetSymbol?.Name);
        Assert.Empty(region.Releases);
        Assert.Same(region, Assert.Single(body.Regions.Holding(body.Statement("return await _lock.LockAsync();"))));
    }

    [Fact]
    public void HeldAt_AnswersForOnePlace_InnermostFirst()
    {
        var body = Body("""
            private readonly object _outer = new();
            private readonly SemaphoreSlim _inner = new(1, 1);

            public void Run()
            {
                lock (_outer)
                {
                    _inner.Wait(TimeSpan.FromSeconds(1));
                    Monitor.Enter(_outer);
                    Monitor.Exit(_outer);
                }
            }
            """);

        var enter = body.Root.DescendantNodes().OfType<InvocationExpressionSyntax>().Single(i => i.ToString() == "Monitor.Enter(_outer)");
        var held = LockRegions.HeldAt(body.Model.GetOperation(enter)!, LockApis.Create(body.Model.Compilation));

        Assert.Equal(["_inner", "_outer"], held.Select(r => r.TargetSymbol?.Name));
        Assert.Equal([LockRegionKind.HandedOn, LockRegionKind.LockStatement], held.Select(r => r.Kind));
    }

    [Fact]
    public void Awaits_AreTheOnesWhileHeld_NotThoseInNestedFunctions()
    {
        var body = Body("""
            private readonly object _sync = new();
            private readonly List<Func<Task>> _callbacks = new();

            public async Task Run(IAsyncEnumerable<int> source)
            {
                await Task.Yield();
                Monitor.Enter(_sync);
                try
                {
                    _callbacks.Add(async () => await Task.Delay(1));
                    await foreach (var item in source)
                    {
                    }
                    await Task.Delay(1);
                }
                finally
                {
                    Monitor.Exit(_sync);
                }
                await Task.Yield();
            }
            """);

        var region = Assert.Single(body.Regions.Regions);
        Assert.Equal(2, region.Awaits.Length);
        Assert.StartsWith("await foreach", region.Awaits[0].Syntax.ToString(), StringComparison.Ordinal);
        Assert.Equal("await Task.Delay(1)", region.Awaits[1].Syntax.ToString());
    }

    [Fact]
    public void CodeInALambdaInsideARegion_IsNotHeld_AndTheLambdaIsItsOwnBody()
    {
        var body = Body("""
            private readonly SemaphoreSlim _gate = new(1, 1);
            private int _count;

            public async Task Run()
            {
                await _gate.WaitAsync();
                try
                {
                    _ = Task.Run(async () =>
                    {
                        await _gate.WaitAsync();
                        _count++;
                        _gate.Release();
                    });
                }
                finally
                {
                    _gate.Release();
                }
            }
            """);

        Assert.Equal(LockRegionKind.TryFinally, Assert.Single(body.Regions.Regions).Kind);
        Assert.Empty(body.Regions.Holding(body.Statement("_count++;")));

        var lambda = body.Root.DescendantNodes().OfType<ParenthesizedLambdaExpressionSyntax>().Single();
        var inner = LockRegions.Analyze(body.Model.GetOperation(lambda)!, LockApis.Create(body.Model.Compilation));
        Assert.Equal(LockRegionKind.Unprotected, Assert.Single(inner.Regions).Kind);
        Assert.Single(inner.Holding(body.Statement("_count++;")));
    }

    private static AnalyzedBody Body(string members)
    {
        var source = $$"""
            using System;
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;

            public sealed class Service
            {
            {{members}}
            }
            """;
        var tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest));
        var compilation = CSharpCompilation.Create(
            "Regions",
            [tree],
            TestReferences.All,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        var model = compilation.GetSemanticModel(tree);
        var method = tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().Single(m => m.Identifier.Text == "Run");
        return new AnalyzedBody(LockRegions.Analyze(model.GetOperation(method)!, LockApis.Create(compilation)), tree.GetRoot(), model);
    }

    private sealed record AnalyzedBody(LockRegions Regions, SyntaxNode Root, SemanticModel Model)
    {
        public StatementSyntax Statement(string text)
            => Root.DescendantNodes().OfType<StatementSyntax>().First(s => s.ToString() == text);
    }
}
