using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Nuzantara.Backend.Conversations;

internal sealed record StoredMessage(int Seq, string Role, string Content);

/// <summary>A conversation as of one committed version: immutable.</summary>
internal sealed record ConversationSnapshot(string UserId, string SessionId, long Version, IReadOnlyList<StoredMessage> Messages)
{
    /// <summary>The same digest the database computes in <see cref="ConversationSql.Fingerprints"/>.</summary>
    public string Fingerprint()
        => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', Messages.Select(m => m.Role + ":" + m.Content)))));
}

/// <summary>
/// The conversation cache, keyed by (user, session). Written only after a commit, and only forward: an entry moves
/// from version v to a later one by compare-and-swap, so two saves that commit in one order and reach the cache in
/// the other cannot leave the older version cached. Reads validate the cached version against the database, so a
/// write by another instance is never served stale.
/// </summary>
internal sealed class ConversationCache(int capacity)
{
    private readonly ConcurrentDictionary<(string UserId, string SessionId), ConversationSnapshot> _entries = new();

    public int Count => _entries.Count;

    public ConversationSnapshot? Get(string userId, string sessionId)
        => _entries.TryGetValue((userId, sessionId), out var snapshot) ? snapshot : null;

    public IReadOnlyList<ConversationSnapshot> Entries() => [.. _entries.Values];

    /// <summary>Stores a full snapshot loaded from the database, unless a newer one is cached.</summary>
    public void Offer(ConversationSnapshot snapshot)
    {
        MakeRoom(snapshot);
        _entries.AddOrUpdate(
            (snapshot.UserId, snapshot.SessionId),
            static (_, offered) => offered,
            static (_, current, offered) => offered.Version > current.Version ? offered : current,
            snapshot);
    }

    /// <summary>
    /// After a save committed <paramref name="version"/> by appending <paramref name="appended"/>: extends the cached
    /// entry when it holds exactly the version before; drops it when it holds an older one (the next read reloads).
    /// A brand-new conversation is cached whole.
    /// </summary>
    public void Committed(string userId, string sessionId, long version, IReadOnlyList<StoredMessage> appended)
    {
        var key = (userId, sessionId);
        while (true)
        {
            if (!_entries.TryGetValue(key, out var current))
            {
                if (version == 1)
                {
                    MakeRoom(null);
                    if (_entries.TryAdd(key, new ConversationSnapshot(userId, sessionId, version, appended)))
                    {
                        return;
                    }

                    continue;
                }

                return;
            }

            if (current.Version >= version)
            {
                return;
            }

            if (current.Version == version - 1)
            {
                var extended = current with { Version = version, Messages = [.. current.Messages, .. appended] };
                if (_entries.TryUpdate(key, extended, current))
                {
                    return;
                }
            }
            else if (_entries.TryRemove(KeyValuePair.Create(key, current)))
            {
                return;
            }
        }
    }

    /// <summary>Drops the entry if it is still <paramref name="expected"/> (the reconciler's repair).</summary>
    public bool Evict(ConversationSnapshot expected)
        => _entries.TryRemove(KeyValuePair.Create((expected.UserId, expected.SessionId), expected));

    public void Remove(string userId, string sessionId) => _entries.TryRemove((userId, sessionId), out _);

    /// <summary>For tests that corrupt the cache on purpose; production code only goes through the methods above.</summary>
    internal void Overwrite(ConversationSnapshot snapshot) => _entries[(snapshot.UserId, snapshot.SessionId)] = snapshot;

    private void MakeRoom(ConversationSnapshot? incoming)
    {
        if (_entries.Count < capacity || (incoming is not null && _entries.ContainsKey((incoming.UserId, incoming.SessionId))))
        {
            return;
        }

        // Bounded: drop a sixteenth, arbitrarily; those conversations are reloaded on their next read.
        foreach (var victim in _entries.Keys.Take(Math.Max(1, capacity / 16)))
        {
            _entries.TryRemove(victim, out _);
        }
    }
}
