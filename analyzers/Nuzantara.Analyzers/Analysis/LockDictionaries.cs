using Microsoft.CodeAnalysis;

namespace Nuzantara.Analyzers.Analysis;

/// <summary>A dictionary whose values are locks: its key type, value type, and the lock family of the values.</summary>
internal sealed class LockMap
{
    internal LockMap(ITypeSymbol key, ITypeSymbol value, LockFamily? family)
    {
        Key = key;
        Value = value;
        Family = family;
    }

    internal ITypeSymbol Key { get; }

    internal ITypeSymbol Value { get; }

    /// <summary>The values' lock family; null for <c>object</c> values, which are locks only if code locks on them.</summary>
    internal LockFamily? Family { get; }

    /// <summary>Whether the values are plain objects, so that only a <c>lock</c> or <c>Monitor.Enter</c> on one makes them locks.</summary>
    internal bool NeedsLockEvidence => Family is null;
}

/// <summary>
/// Recognises dictionaries of locks: <c>ConcurrentDictionary&lt;K, V&gt;</c>, <c>Dictionary&lt;K, V&gt;</c>, their
/// subclasses, and <c>IDictionary</c>/<c>IReadOnlyDictionary</c>, whose <c>V</c> is a lock type or <c>object</c>.
/// </summary>
internal sealed class LockDictionaries
{
    private readonly LockApis _apis;
    private readonly INamedTypeSymbol? _concurrentDictionary;
    private readonly INamedTypeSymbol? _dictionary;
    private readonly INamedTypeSymbol? _dictionaryInterface;
    private readonly INamedTypeSymbol? _readOnlyDictionaryInterface;

    private LockDictionaries(Compilation compilation, LockApis apis)
    {
        _apis = apis;
        _concurrentDictionary = compilation.GetTypeByMetadataName("System.Collections.Concurrent.ConcurrentDictionary`2");
        _dictionary = compilation.GetTypeByMetadataName("System.Collections.Generic.Dictionary`2");
        _dictionaryInterface = compilation.GetTypeByMetadataName("System.Collections.Generic.IDictionary`2");
        _readOnlyDictionaryInterface = compilation.GetTypeByMetadataName("System.Collections.Generic.IReadOnlyDictionary`2");
    }

    /// <summary>Whether the compilation has none of the dictionary types.</summary>
    internal bool IsEmpty => _concurrentDictionary is null && _dictionary is null;

    internal static LockDictionaries Create(Compilation compilation, LockApis apis) => new(compilation, apis);

    /// <summary>The dictionary of locks a type is, or null when it is not a dictionary or its values are not locks.</summary>
    internal LockMap? Describe(ITypeSymbol type)
    {
        if (KeyAndValue(type) is not var (key, value))
        {
            return null;
        }

        if (value.SpecialType == SpecialType.System_Object)
        {
            return new LockMap(key, value, null);
        }

        return _apis.TypeFamily(value) is { } family ? new LockMap(key, value, family) : null;
    }

    /// <summary>Whether a type is <c>ConcurrentDictionary&lt;K, V&gt;</c> or derives from it.</summary>
    internal bool IsConcurrentDictionary(ITypeSymbol? type)
    {
        for (var current = type as INamedTypeSymbol; current is not null; current = current.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(current.OriginalDefinition, _concurrentDictionary))
            {
                return true;
            }
        }

        return false;
    }

    private (ITypeSymbol Key, ITypeSymbol Value)? KeyAndValue(ITypeSymbol type)
    {
        if (type is not INamedTypeSymbol named)
        {
            return null;
        }

        if (Matches(named, _dictionaryInterface) || Matches(named, _readOnlyDictionaryInterface))
        {
            return (named.TypeArguments[0], named.TypeArguments[1]);
        }

        for (var current = named; current is not null; current = current.BaseType)
        {
            if (Matches(current, _concurrentDictionary) || Matches(current, _dictionary))
            {
                return (current.TypeArguments[0], current.TypeArguments[1]);
            }
        }

        return null;
    }

    private static bool Matches(INamedTypeSymbol type, INamedTypeSymbol? definition)
        => definition is not null && SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, definition);
}
