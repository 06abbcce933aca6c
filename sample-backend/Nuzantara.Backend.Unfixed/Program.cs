using Nuzantara.Backend.Unfixed;

// The memory assistant as first designed: the reference backend's five areas, written the racy way.
// It builds and is never deployed; `nuzantara check sample-backend/Nuzantara.Backend.Unfixed` lists its races.
var builder = WebApplication.CreateBuilder(args);
builder.Services.AddMemoryAssistant(builder.Configuration);

var app = builder.Build();
app.UseAuthentication();
app.UseAuthorization();
app.MapMemoryAssistant();
app.Run();
