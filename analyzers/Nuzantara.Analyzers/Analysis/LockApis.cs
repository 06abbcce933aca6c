using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Nuzantara.Analyzers.Analysis;

/// <summary>The lock families the rules understand.</summary>
internal enum LockFamily
{
    SemaphoreSlim,
    Monitor,
    Mutex,
    Semaphore,
    ReaderWriterLockSlim,
    ThreadingLock,
    SpinLock,
    NitoAsyncLock,
    NitoAsyncReaderWriterLock,
    NitoAsyncMonitor,
    NitoAsyncSemaphore,
    Nuzantara,
}

/// <summary>What a call does to a lock.</summary>
internal enum LockOperation
{
    /// <summary>Waits until acquired (maybe bounded by a timeout argument) and returns nothing to check, or a releaser.</summary>
    Acquire,

    /// <summary>Waits at most a timeout and returns whether it acquired: a bool, or a handle with <c>IsAcquired</c>.</summary>
    TryAcquire,

    Release,
}

/// <summary>How an acquisition is bounded.</summary>
internal enum TimeoutKind
{
    /// <summary>The overload takes no timeout.</summary>
    None,

    /// <summary>A constant infinite timeout (<c>-1</c>, <c>Timeout.Infinite</c>, <c>Timeout.InfiniteTimeSpan</c>).</summary>
    Infinite,

    /// <summary>A constant zero: a probe that never waits.</summary>
    Zero,

    /// <summary>A real timeout: a positive constant, or a value held in a variable, field or expression.</summary>
    Bounded,
}

/// <summary>One call to a lock API, classified.</summary>
internal sealed class LockCall
{
    internal LockCall(IInvocationOperation invocation, LockFamily family, LockOperation operation, IOperation? target, TimeoutKind timeout, bool takesCancellationToken, string mode)
    {
        Invocation = invocation;
        Family = family;
        Operation = operation;
        Target = target;
        Timeout = timeout;
        TakesCancellationToken = takesCancellationToken;
        Mode = mode;
    }

    internal IInvocationOperation Invocation { get; }

    internal LockFamily Family { get; }

    internal LockOperation Operation { get; }

    /// <summary>The lock object: the receiver, or <c>Monitor</c>'s first argument.</summary>
    internal IOperation? Target { get; }

    internal TimeoutKind Timeout { get; }

    internal bool TakesCancellationToken { get; }

    /// <summary><c>read</c>, <c>write</c>, <c>upgradeable</c> or empty for exclusive locks.</summary>
    internal string Mode { get; }

    /// <summary>Locks owned by a thread: releasing them on another thread throws or corrupts them.</summary>
    internal bool IsThreadAffine => Family is LockFamily.Monitor or LockFamily.Mutex or LockFamily.ReaderWriterLockSlim or LockFamily.ThreadingLock or LockFamily.SpinLock;

    /// <summary>The symbol that identifies the lock instance (field, property, local or parameter), if any.</summary>
    internal ISymbol? TargetSymbol => LockApis.ReferencedSymbol(Target);

    /// <summary>How messages name the lock: <c>SemaphoreSlim '_gate'</c>.</summary>
    internal string Describe()
    {
        // The runtime has several lock types; name the one in use (KeyedAsyncLock, AsyncReaderWriterLock…).
        var kind = Family == LockFamily.Nuzantara && Target?.Type is { Name.Length: > 0 } type ? type.Name : LockApis.DisplayName(Family);
        var name = TargetSymbol?.Name ?? Target?.Syntax.ToString();
        return name is null ? kind : kind + " '" + name + "'";
    }
}

/// <summary>
/// The lock types of one compilation, resolved once; classifies calls to them. Rules build it in their
/// compilation-start action and return early when <see cref="IsEmpty"/>.
/// </summary>
internal sealed class LockApis
{
    private readonly INamedTypeSymbol? _semaphoreSlim;
    private readonly INamedTypeSymbol? _monitor;
    private readonly INamedTypeSymbol? _mutex;
    private readonly INamedTypeSymbol? _semaphore;
    private readonly INamedTypeSymbol? _readerWriterLockSlim;
    private readonly INamedTypeSymbol? _threadingLock;
    private readonly INamedTypeSymbol? _spinLock;
    private readonly INamedTypeSymbol? _nitoAsyncLock;
    private readonly INamedTypeSymbol? _nitoReaderWriterLock;
    private readonly INamedTypeSymbol? _nitoMonitor;
    private readonly INamedTypeSymbol? _nitoSemaphore;
    private readonly ImmutableHashSet<INamedTypeSymbol> _nuzantaraLocks;
    private readonly INamedTypeSymbol? _semaphoreSlimExtensions;

    private LockApis(Compilation compilation)
    {
        _semaphoreSlim = compilation.GetTypeByMetadataName("System.Threading.SemaphoreSlim");
        _monitor = compilation.GetTypeByMetadataName("System.Threading.Monitor");
        _mutex = compilation.GetTypeByMetadataName("System.Threading.Mutex");
        _semaphore = compilation.GetTypeByMetadataName("System.Threading.Semaphore");
        _readerWriterLockSlim = compilation.GetTypeByMetadataName("System.Threading.ReaderWriterLockSlim");
        _threadingLock = compilation.GetTypeByMetadataName("System.Threading.Lock");
        _spinLock = compilation.GetTypeByMetadataName("System.Threading.SpinLock");
        _nitoAsyncLock = compilation.GetTypeByMetadataName("Nito.AsyncEx.AsyncLock");
        _nitoReaderWriterLock = compilation.GetTypeByMetadataName("Nito.AsyncEx.AsyncReaderWriterLock");
        _nitoMonitor = compilation.GetTypeByMetadataName("Nito.AsyncEx.AsyncMonitor");
        _nitoSemaphore = compilation.GetTypeByMetadataName("Nito.AsyncEx.AsyncSemaphore");
        var nuzantara = ImmutableHashSet.CreateBuilder<INamedTypeSymbol>(SymbolEqualityComparer.Default);
        foreach (var name in new[]
        {
            "Nuzantara.Concurrency.AsyncLock",
            "Nuzantara.Concurrency.AsyncReaderWriterLock",
            "Nuzantara.Concurrency.KeyedAsyncLock`1",
            "Nuzantara.Concurrency.KeyedAsyncReaderWriterLock`1",
            "Nuzantara.Concurrency.IKeyedAsyncLock`1",
        })
        {
            if (compilation.GetTypeByMetadataName(name) is { } type)
            {
                nuzantara.Add(type);
            }
        }

        _nuzantaraLocks = nuzantara.ToImmutable();
        _semaphoreSlimExtensions = compilation.GetTypeByMetadataName("Nuzantara.Concurrency.SemaphoreSlimExtensions");
        TimeSpan = compilation.GetTypeByMetadataName("System.TimeSpan");
        CancellationToken = compilation.GetTypeByMetadataName("System.Threading.CancellationToken");
        Timeout = compilation.GetTypeByMetadataName("System.Threading.Timeout");
        LockHandle = compilation.GetTypeByMetadataName("Nuzantara.Concurrency.LockHandle");
    }

    internal INamedTypeSymbol? TimeSpan { get; }

    internal INamedTypeSymbol? CancellationToken { get; }

    internal INamedTypeSymbol? Timeout { get; }

    /// <summary>The runtime's handle, whose <c>IsAcquired</c> carries a <c>TryLockAsync</c> result.</summary>
    internal INamedTypeSymbol? LockHandle { get; }

    /// <summary>Whether the compilation references no lock type at all, so rules can skip it.</summary>
    internal bool IsEmpty => _semaphoreSlim is null && _monitor is null && _nitoAsyncLock is null && _nuzantaraLocks.IsEmpty;

    internal static LockApis Create(Compilation compilation) => new(compilation);

    /// <summary>Whether a type is a lock object: a semaphore, mutex, reader-writer lock, <c>Lock</c>, or an async lock of Nito.AsyncEx or the runtime.</summary>
    internal bool IsLockType(ITypeSymbol type)
    {
        if (type is not INamedTypeSymbol named)
        {
            return false;
        }

        var definition = named.OriginalDefinition;
        return _nuzantaraLocks.Contains(definition)
            || Is(definition, _semaphoreSlim) || Is(definition, _readerWriterLockSlim) || Is(definition, _threadingLock) || Is(definition, _spinLock)
            || Is(definition, _nitoAsyncLock) || Is(definition, _nitoReaderWriterLock) || Is(definition, _nitoMonitor) || Is(definition, _nitoSemaphore)
            || DerivesFrom(definition, _mutex) || DerivesFrom(definition, _semaphore);
    }

    internal static string DisplayName(LockFamily family) => family switch
    {
        LockFamily.SemaphoreSlim => "SemaphoreSlim",
        LockFamily.Monitor => "Monitor",
        LockFamily.Mutex => "Mutex",
        LockFamily.Semaphore => "Semaphore",
        LockFamily.ReaderWriterLockSlim => "ReaderWriterLockSlim",
        LockFamily.ThreadingLock => "Lock",
        LockFamily.SpinLock => "SpinLock",
        LockFamily.NitoAsyncLock => "AsyncLock",
        LockFamily.NitoAsyncReaderWriterLock => "AsyncReaderWriterLock",
        LockFamily.NitoAsyncMonitor => "AsyncMonitor",
        LockFamily.NitoAsyncSemaphore => "AsyncSemaphore",
        _ => "lock",
    };

    /// <summary>The field, property, local or parameter an operation reads, looking through conversions.</summary>
    internal static ISymbol? ReferencedSymbol(IOperation? operation)
    {
        while (operation is IConversionOperation conversion)
        {
            operation = conversion.Operand;
        }

        return operation switch
        {
            IFieldReferenceOperation field => field.Field,
            IPropertyReferenceOperation property => property.Property,
            ILocalReferenceOperation local => local.Local,
            IParameterReferenceOperation parameter => parameter.Parameter,
            _ => null,
        };
    }

    /// <summary>Classifies a call to a lock API; null for anything else.</summary>
    internal LockCall? Classify(IInvocationOperation invocation)
    {
        var method = invocation.TargetMethod;
        var type = method.ContainingType?.OriginalDefinition;
        if (type is null)
        {
            return null;
        }

        if (Is(type, _semaphoreSlim))
        {
            return method.Name switch
            {
                "Wait" or "WaitAsync" => Timed(invocation, LockFamily.SemaphoreSlim, invocation.Instance),
                "Release" => Release(invocation, LockFamily.SemaphoreSlim, invocation.Instance),
                _ => null,
            };
        }

        if (Is(type, _monitor))
        {
            var target = invocation.Arguments.Length > 0 ? invocation.Arguments[0].Value : null;
            return method.Name switch
            {
                "Enter" => Call(invocation, LockFamily.Monitor, LockOperation.Acquire, target, TimeoutKind.None),
                "TryEnter" => Timed(invocation, LockFamily.Monitor, target, probeWithoutTimeout: true),
                "Exit" => Release(invocation, LockFamily.Monitor, target),
                _ => null,
            };
        }

        if (Is(type, _readerWriterLockSlim))
        {
            var name = method.Name;
            var mode = name.Contains("Upgradeable") ? "upgradeable" : name.Contains("Read") ? "read" : "write";
            if (name is "EnterReadLock" or "EnterWriteLock" or "EnterUpgradeableReadLock")
            {
                return Call(invocation, LockFamily.ReaderWriterLockSlim, LockOperation.Acquire, invocation.Instance, TimeoutKind.None, mode);
            }

            if (name is "TryEnterReadLock" or "TryEnterWriteLock" or "TryEnterUpgradeableReadLock")
            {
                return Timed(invocation, LockFamily.ReaderWriterLockSlim, invocation.Instance, mode: mode);
            }

            return name is "ExitReadLock" or "ExitWriteLock" or "ExitUpgradeableReadLock"
                ? Release(invocation, LockFamily.ReaderWriterLockSlim, invocation.Instance, mode)
                : null;
        }

        if (Is(type, _threadingLock))
        {
            return method.Name switch
            {
                "Enter" or "EnterScope" => Call(invocation, LockFamily.ThreadingLock, LockOperation.Acquire, invocation.Instance, TimeoutKind.None),
                "TryEnter" => Timed(invocation, LockFamily.ThreadingLock, invocation.Instance, probeWithoutTimeout: true),
                "Exit" => Release(invocation, LockFamily.ThreadingLock, invocation.Instance),
                _ => null,
            };
        }

        if (Is(type, _spinLock))
        {
            return method.Name switch
            {
                "Enter" => Call(invocation, LockFamily.SpinLock, LockOperation.Acquire, invocation.Instance, TimeoutKind.None),
                "TryEnter" => Timed(invocation, LockFamily.SpinLock, invocation.Instance, probeWithoutTimeout: true),
                "Exit" => Release(invocation, LockFamily.SpinLock, invocation.Instance),
                _ => null,
            };
        }

        if (method.Name is "WaitOne" or "ReleaseMutex" or "Release" && invocation.Instance?.Type is { } handleType)
        {
            var family = DerivesFrom(handleType, _mutex) ? LockFamily.Mutex : DerivesFrom(handleType, _semaphore) ? LockFamily.Semaphore : (LockFamily?)null;
            if (family is { } waitHandle)
            {
                return method.Name == "WaitOne"
                    ? Timed(invocation, waitHandle, invocation.Instance)
                    : Release(invocation, waitHandle, invocation.Instance);
            }
        }

        if (Is(type, _nitoAsyncLock))
        {
            return method.Name is "LockAsync" or "Lock" ? Call(invocation, LockFamily.NitoAsyncLock, LockOperation.Acquire, invocation.Instance, TimeoutKind.None) : null;
        }

        if (Is(type, _nitoReaderWriterLock))
        {
            return method.Name switch
            {
                "ReaderLockAsync" or "ReaderLock" => Call(invocation, LockFamily.NitoAsyncReaderWriterLock, LockOperation.Acquire, invocation.Instance, TimeoutKind.None, "read"),
                "WriterLockAsync" or "WriterLock" => Call(invocation, LockFamily.NitoAsyncReaderWriterLock, LockOperation.Acquire, invocation.Instance, TimeoutKind.None, "write"),
                _ => null,
            };
        }

        if (Is(type, _nitoMonitor))
        {
            return method.Name is "EnterAsync" or "Enter" ? Call(invocation, LockFamily.NitoAsyncMonitor, LockOperation.Acquire, invocation.Instance, TimeoutKind.None) : null;
        }

        if (Is(type, _nitoSemaphore))
        {
            return method.Name switch
            {
                "WaitAsync" or "Wait" or "LockAsync" or "Lock" => Call(invocation, LockFamily.NitoAsyncSemaphore, LockOperation.Acquire, invocation.Instance, TimeoutKind.None),
                "Release" => Release(invocation, LockFamily.NitoAsyncSemaphore, invocation.Instance),
                _ => null,
            };
        }

        if (_nuzantaraLocks.Contains(type) || Is(type, _semaphoreSlimExtensions))
        {
            return ClassifyNuzantara(invocation, method);
        }

        return null;
    }

    private LockCall? ClassifyNuzantara(IInvocationOperation invocation, IMethodSymbol method)
    {
        var extension = Is(method.ContainingType.OriginalDefinition, _semaphoreSlimExtensions);
        var target = extension && invocation.Arguments.Length > 0 ? invocation.Arguments[0].Value : invocation.Instance;
        var family = extension ? LockFamily.SemaphoreSlim : LockFamily.Nuzantara;
        var name = method.Name;
        var mode = name.Contains("Read") ? "read" : name.Contains("Write") ? "write" : string.Empty;
        return name switch
        {
            "TryLockAsync" or "TryReadLockAsync" or "TryWriteLockAsync" or "TryAcquireAsync" => Timed(invocation, family, target, mode: mode),

            // Without a timeout argument the runtime applies its default timeout, so such a call is bounded.
            "LockAsync" or "ReadLockAsync" or "WriteLockAsync" or "AcquireAsync" => TimeoutArgument(invocation) is null
                ? Call(invocation, family, LockOperation.Acquire, target, TimeoutKind.Bounded, mode)
                : Timed(invocation, family, target, mode: mode),
            _ => null,
        };
    }

    private LockCall Timed(IInvocationOperation invocation, LockFamily family, IOperation? target, bool probeWithoutTimeout = false, string mode = "")
    {
        var method = invocation.TargetMethod;
        var operation = method.Name.StartsWith("Try", System.StringComparison.Ordinal) || ReturnsBoolean(method)
            ? LockOperation.TryAcquire
            : LockOperation.Acquire;
        var timeoutArgument = TimeoutArgument(invocation);
        var timeout = timeoutArgument is not null ? ClassifyTimeout(timeoutArgument.Value)
            : probeWithoutTimeout ? TimeoutKind.Zero // Monitor.TryEnter(o), Lock.TryEnter(): returns at once.
            : TimeoutKind.None;
        return Call(invocation, family, operation, target, timeout, mode);
    }

    private static bool ReturnsBoolean(IMethodSymbol method)
        => method.ReturnType.SpecialType == SpecialType.System_Boolean
            || (method.ReturnType is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } task
                && task.TypeArguments[0].SpecialType == SpecialType.System_Boolean);

    private LockCall Release(IInvocationOperation invocation, LockFamily family, IOperation? target, string mode = "")
        => Call(invocation, family, LockOperation.Release, target, TimeoutKind.None, mode);

    private LockCall Call(IInvocationOperation invocation, LockFamily family, LockOperation operation, IOperation? target, TimeoutKind timeout, string mode = "")
        => new(invocation, family, operation, target, timeout, TakesCancellationToken(invocation), mode);

    /// <summary>The argument that bounds the wait: a <see cref="System.TimeSpan"/>, or an int whose parameter names a timeout.</summary>
    internal IArgumentOperation? TimeoutArgument(IInvocationOperation invocation)
    {
        foreach (var argument in invocation.Arguments)
        {
            var parameter = argument.Parameter;
            if (parameter is null || argument.ArgumentKind == ArgumentKind.DefaultValue)
            {
                continue;
            }

            if (SymbolEqualityComparer.Default.Equals(parameter.Type, TimeSpan)
                || (parameter.Type.SpecialType == SpecialType.System_Int32 && parameter.Name.IndexOf("timeout", System.StringComparison.OrdinalIgnoreCase) >= 0))
            {
                return argument;
            }
        }

        return null;
    }

    private bool TakesCancellationToken(IInvocationOperation invocation)
    {
        foreach (var argument in invocation.Arguments)
        {
            if (argument.ArgumentKind != ArgumentKind.DefaultValue
                && SymbolEqualityComparer.Default.Equals(argument.Parameter?.Type, CancellationToken))
            {
                return true;
            }
        }

        return false;
    }

    private TimeoutKind ClassifyTimeout(IOperation value)
    {
        while (value is IConversionOperation conversion)
        {
            value = conversion.Operand;
        }

        if (value.ConstantValue is { HasValue: true, Value: int milliseconds })
        {
            return milliseconds == -1 ? TimeoutKind.Infinite : milliseconds == 0 ? TimeoutKind.Zero : TimeoutKind.Bounded;
        }

        if (value is IFieldReferenceOperation { Field: var field } && field.IsStatic)
        {
            if (SymbolEqualityComparer.Default.Equals(field.ContainingType, Timeout) && field.Name == "InfiniteTimeSpan")
            {
                return TimeoutKind.Infinite;
            }

            if (SymbolEqualityComparer.Default.Equals(field.ContainingType, TimeSpan))
            {
                return field.Name switch
                {
                    "Zero" => TimeoutKind.Zero,
                    "MaxValue" => TimeoutKind.Infinite,
                    _ => TimeoutKind.Bounded,
                };
            }
        }

        // TimeSpan.FromMilliseconds(-1) and friends: infinite when the constant argument is negative.
        if (value is IInvocationOperation { TargetMethod: { IsStatic: true } factory } call
            && SymbolEqualityComparer.Default.Equals(factory.ContainingType, TimeSpan)
            && factory.Name.StartsWith("From", System.StringComparison.Ordinal)
            && call.Arguments.Length >= 1
            && call.Arguments[0].Value.ConstantValue is { HasValue: true, Value: var constant })
        {
            var number = System.Convert.ToDouble(constant, System.Globalization.CultureInfo.InvariantCulture);
            return number < 0 ? TimeoutKind.Infinite : number == 0 && call.Arguments.Length == 1 ? TimeoutKind.Zero : TimeoutKind.Bounded;
        }

        return TimeoutKind.Bounded;
    }

    /// <summary>
    /// The family of a lock <em>type</em>, such as the value type of a dictionary of locks; null for other types, for
    /// <c>Monitor</c> (static, locks any object) and for <c>SpinLock</c> (a struct, copied out of any collection).
    /// </summary>
    internal LockFamily? TypeFamily(ITypeSymbol type)
    {
        if (type is not INamedTypeSymbol named)
        {
            return null;
        }

        var definition = named.OriginalDefinition;
        return Is(definition, _semaphoreSlim) ? LockFamily.SemaphoreSlim
            : Is(definition, _readerWriterLockSlim) ? LockFamily.ReaderWriterLockSlim
            : Is(definition, _threadingLock) ? LockFamily.ThreadingLock
            : DerivesFrom(type, _mutex) ? LockFamily.Mutex
            : DerivesFrom(type, _semaphore) ? LockFamily.Semaphore
            : Is(definition, _nitoAsyncLock) ? LockFamily.NitoAsyncLock
            : Is(definition, _nitoReaderWriterLock) ? LockFamily.NitoAsyncReaderWriterLock
            : Is(definition, _nitoMonitor) ? LockFamily.NitoAsyncMonitor
            : Is(definition, _nitoSemaphore) ? LockFamily.NitoAsyncSemaphore
            : _nuzantaraLocks.Contains(definition) ? LockFamily.Nuzantara
            : null;
    }

    private static bool Is(INamedTypeSymbol type, INamedTypeSymbol? expected)
        => expected is not null && SymbolEqualityComparer.Default.Equals(type, expected);

    private static bool DerivesFrom(ITypeSymbol type, INamedTypeSymbol? expected)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(current, expected))
            {
                return true;
            }
        }

        return false;
    }
}
