using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Nuzantara.Backend.Infrastructure.Auth;
using Nuzantara.Backend.Load;

// Drives the five areas of a running backend with many concurrent users for a fixed number of requests, then
// prints throughput, p50/p99 latency per area and the invariant checks. Loopback only.
//
//   Nuzantara.Backend.Load --url http://127.0.0.1:PORT --db "Host=...;Database=..." [--requests 4000] [--users 40] [--concurrency 64]
//   (Auth__SigningKey must be the backend's signing key.)
var options = LoadOptions.Parse(args);
if (!options.Url.IsLoopback)
{
    Console.Error.WriteLine("The load tool only drives a backend on the loopback interface.");
    return 2;
}

var issuer = new TokenIssuer(new AuthOptions { SigningKey = Environment.GetEnvironmentVariable("Auth__SigningKey") ?? string.Empty });
using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = options.Concurrency, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
var users = Enumerable.Range(0, options.Users).Select(i => new LoadUser($"load-user-{i:D3}", handler, options.Url, issuer)).ToArray();
var run = new LoadRun(users, options);

Console.WriteLine($"setup: {options.Users} users, a collection of 50 documents each");
await run.SetupAsync();

Console.WriteLine($"load: {options.Requests} requests, {options.Concurrency} at a time");
var elapsed = await run.RunAsync();
run.PrintReport(elapsed);

Console.WriteLine("invariants:");
await using var database = NpgsqlDataSource.Create(options.Database);
var failures = await new InvariantChecks(run, database).RunAsync();
Console.WriteLine(failures == 0 ? "invariants: all hold" : $"invariants: {failures} FAILED");
return failures == 0 && run.Errors == 0 ? 0 : 1;

namespace Nuzantara.Backend.Load
{
    internal sealed record LoadOptions(Uri Url, string Database, int Requests, int Users, int Concurrency)
    {
        public static LoadOptions Parse(string[] args)
        {
            string Value(string name, string fallback)
            {
                var index = Array.IndexOf(args, name);
                return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
            }

            return new LoadOptions(
                new Uri(Value("--url", "http://127.0.0.1:5080")),
                Value("--db", "Host=127.0.0.1;Username=postgres;Database=nuzantara"),
                int.Parse(Value("--requests", "4000"), CultureInfo.InvariantCulture),
                int.Parse(Value("--users", "40"), CultureInfo.InvariantCulture),
                int.Parse(Value("--concurrency", "64"), CultureInfo.InvariantCulture));
        }
    }

    /// <summary>One simulated user: a client with its token, and what it has been told by the backend.</summary>
    internal sealed class LoadUser(string id, HttpMessageHandler handler, Uri baseAddress, TokenIssuer issuer)
    {
        public string Id { get; } = id;

        public HttpClient Client { get; } = new(handler, disposeHandler: false)
        {
            BaseAddress = baseAddress,
            DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", issuer.Mint(id)) },
        };

        public Guid CollectionId { get; set; }

        public ConcurrentBag<string> SavedKeys { get; } = [];

        public ConcurrentBag<Guid> MemorySaves { get; } = [];

        public ConcurrentBag<string> SupportedStatements { get; } = [];
    }

    internal sealed class LoadRun(LoadUser[] users, LoadOptions options)
    {
        internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

        internal static readonly string[] SharedFacts = [.. Enumerable.Range(0, 12).Select(i => $"The night market on street {i} opens at seven")];

        private readonly ConcurrentDictionary<string, ConcurrentBag<double>> _latencies = new(StringComparer.Ordinal);
        private int _errors;
        private int _nextKey;

        public LoadUser[] Users => users;

        public int Errors => _errors;

        /// <summary>(collection, version) → document count, from ingest answers: what "a whole version" means.</summary>
        public ConcurrentDictionary<(Guid, int), int> Versions { get; } = new();

        /// <summary>Every (collection, version, documentCount) a search reported.</summary>
        public ConcurrentBag<(Guid Collection, int Version, int Count)> SearchesSeen { get; } = [];

        public async Task SetupAsync()
        {
            await Parallel.ForEachAsync(users, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (user, cancellationToken) =>
            {
                using var created = await user.Client.PostAsJsonAsync("/collections", new { name = "load" }, Json, cancellationToken);
                created.EnsureSuccessStatusCode();
                user.CollectionId = (await created.Content.ReadFromJsonAsync<JsonElement>(Json, cancellationToken)).GetProperty("id").GetGuid();
                await IngestAsync(user, 50);
            });
        }

        public async Task<TimeSpan> RunAsync()
        {
            var clock = Stopwatch.StartNew();
            await Parallel.ForEachAsync(Enumerable.Range(0, options.Requests), new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency }, async (i, _) =>
            {
                var user = users[i % users.Length];
                var pick = (i * 7919) % 100;
                try
                {
                    await (pick switch
                    {
                        < 25 => TimedAsync("query", () => QueryAsync(user, i)),
                        < 40 => TimedAsync("memory-context", () => GetAsync(user, "/memory/context")),
                        < 58 => TimedAsync("conversation-save", () => SaveAsync(user, i)),
                        < 68 => TimedAsync("conversation-history", () => GetAsync(user, $"/conversations/s{i / users.Length % 2}", allowNotFound: true)),
                        < 84 => TimedAsync("collection-search", () => SearchAsync(user, i)),
                        < 86 => TimedAsync("collection-ingest", () => IngestAsync(user, 20)),
                        _ => TimedAsync("collective-contribute", () => ContributeAsync(user, i)),
                    });
                }
                catch (HttpRequestException exception)
                {
                    Interlocked.Increment(ref _errors);
                    Console.Error.WriteLine($"request {i}: {exception.Message}");
                }
            });
            return clock.Elapsed;
        }

        public void PrintReport(TimeSpan elapsed)
        {
            var all = _latencies.Values.SelectMany(v => v).Order().ToArray();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"total: {all.Length} requests in {elapsed.TotalSeconds:0.00} s = {all.Length / elapsed.TotalSeconds:0} req/s; p50 {Percentile(all, 0.50):0.0} ms, p99 {Percentile(all, 0.99):0.0} ms; errors {_errors}"));
            Console.WriteLine($"{"area",-24}{"count",7}{"p50 ms",10}{"p99 ms",10}");
            foreach (var (area, values) in _latencies.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                var sorted = values.Order().ToArray();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{area,-24}{sorted.Length,7}{Percentile(sorted, 0.50),10:0.0}{Percentile(sorted, 0.99),10:0.0}"));
            }
        }

        private static double Percentile(double[] sorted, double p)
            => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

        private async Task TimedAsync(string area, Func<Task> call)
        {
            var start = Stopwatch.GetTimestamp();
            await call();
            _latencies.GetOrAdd(area, _ => []).Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        private static async Task<JsonElement> ExpectAsync(HttpResponseMessage response, params HttpStatusCode[] accepted)
        {
            if (!accepted.Contains(response.StatusCode))
            {
                throw new HttpRequestException($"{(int)response.StatusCode} from {response.RequestMessage?.RequestUri}: {await response.Content.ReadAsStringAsync()}");
            }

            return response.StatusCode == HttpStatusCode.NotFound ? default : await response.Content.ReadFromJsonAsync<JsonElement>(Json);
        }

        private static async Task GetAsync(LoadUser user, string path, bool allowNotFound = false)
        {
            using var response = await user.Client.GetAsync(new Uri(path, UriKind.Relative));
            await ExpectAsync(response, allowNotFound ? [HttpStatusCode.OK, HttpStatusCode.NotFound] : [HttpStatusCode.OK]);
        }

        private static async Task QueryAsync(LoadUser user, int i)
        {
            var question = $"I visited island {i % 17}. My favourite dish is number {i % 5}. Where is the harbour?";
            using var response = await user.Client.PostAsJsonAsync("/query", new { question, collectionId = user.CollectionId }, Json);
            var body = await ExpectAsync(response, HttpStatusCode.OK);
            user.MemorySaves.Add(body.GetProperty("memorySave").GetProperty("saveId").GetGuid());
        }

        private async Task SaveAsync(LoadUser user, int i)
        {
            // One in ten saves repeats an earlier save (a client retry): it must not add messages.
            var saved = i % 10 == 0 && user.SavedKeys.TryPeek(out var earlier) ? earlier : $"s{i / users.Length % 2}|k{Interlocked.Increment(ref _nextKey)}";
            var (session, key) = (saved[..saved.IndexOf('|', StringComparison.Ordinal)], saved[(saved.IndexOf('|', StringComparison.Ordinal) + 1)..]);
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/conversations/{session}/messages", UriKind.Relative))
            {
                Content = JsonContent.Create(new { messages = new[] { new { role = "user", content = $"message {key}" }, new { role = "assistant", content = $"reply {key}" } } }, options: Json),
            };
            request.Headers.Add("Idempotency-Key", key);
            using var response = await user.Client.SendAsync(request);
            await ExpectAsync(response, HttpStatusCode.OK, HttpStatusCode.Accepted);
            user.SavedKeys.Add(saved);
        }

        private async Task SearchAsync(LoadUser user, int i)
        {
            using var response = await user.Client.GetAsync(new Uri($"/collections/{user.CollectionId}/search?q=harbour+spice+{i % 50}&k=3", UriKind.Relative));
            var body = await ExpectAsync(response, HttpStatusCode.OK);
            SearchesSeen.Add((user.CollectionId, body.GetProperty("version").GetInt32(), body.GetProperty("documentCount").GetInt32()));
        }

        private async Task IngestAsync(LoadUser user, int count)
        {
            var documents = Enumerable.Range(0, count).Select(d => new { title = $"note {d}", text = $"The harbour opens at {d % 24}. Spice {d} arrives by boat." });
            using var response = await user.Client.PostAsJsonAsync($"/collections/{user.CollectionId}/documents", new { documents }, Json);
            var body = await ExpectAsync(response, HttpStatusCode.OK, HttpStatusCode.Conflict);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                Versions[(user.CollectionId, body.GetProperty("version").GetInt32())] = body.GetProperty("documentCount").GetInt32();
            }
        }

        private static async Task ContributeAsync(LoadUser user, int i)
        {
            var statement = SharedFacts[i % SharedFacts.Length];
            using var response = await user.Client.PostAsJsonAsync("/collective/facts", new { statement }, Json);
            await ExpectAsync(response, HttpStatusCode.OK);
            user.SupportedStatements.Add(statement);
        }
    }
}
