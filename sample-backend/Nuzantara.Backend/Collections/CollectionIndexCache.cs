using System.Collections.Concurrent;

namespace Nuzantara.Backend.Collections;

/// <summary>A document as searches see it.</summary>
internal sealed record IndexedDocument(int Version, int Ordinal, string Title, string Body, float[] Embedding);

/// <summary>All documents of one collection version: immutable, shared by every search of that version.</summary>
internal sealed record CollectionIndex(Guid CollectionId, int Version, IReadOnlyList<IndexedDocument> Documents);

/// <summary>
/// The search cache: per collection, the loaded index of its latest version seen. Entries only move to newer
/// versions (a compare-and-swap on the version), and the flip of an ingestion evicts older ones under the
/// collection's write lock, so after an ingestion this instance holds nothing of the old version.
/// </summary>
internal sealed class CollectionIndexCache(int capacity)
{
    private readonly ConcurrentDictionary<Guid, CollectionIndex> _entries = new();

    public int Count => _entries.Count;

    public CollectionIndex? Get(Guid collectionId, int version)
        => _entries.TryGetValue(collectionId, out var index) && index.Version == version ? index : null;

    /// <summary>Stores <paramref name="index"/> unless a newer version of the collection is cached already.</summary>
    public void Offer(CollectionIndex index)
    {
        if (_entries.Count >= capacity && !_entries.ContainsKey(index.CollectionId))
        {
            // Bounded: drop an arbitrary entry; it is reloaded from the database on its next search.
            foreach (var victim in _entries.Keys.Take(Math.Max(1, capacity / 16)))
            {
                _entries.TryRemove(victim, out _);
            }
        }

        _entries.AddOrUpdate(
            index.CollectionId,
            static (_, offered) => offered,
            static (_, current, offered) => offered.Version > current.Version ? offered : current,
            index);
    }

    /// <summary>Removes the collection's entry if it is older than <paramref name="version"/>.</summary>
    public void EvictOlderThan(Guid collectionId, int version)
    {
        while (_entries.TryGetValue(collectionId, out var current) && current.Version < version)
        {
            if (_entries.TryRemove(KeyValuePair.Create(collectionId, current)))
            {
                return;
            }
        }
    }

    /// <summary>The cached version of a collection, for tests and diagnostics.</summary>
    public int? CachedVersion(Guid collectionId) => _entries.TryGetValue(collectionId, out var index) ? index.Version : null;
}
