using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace OrleansPlans.Gateway.Apis;

/// <summary>
/// The web dashboard (plain ES modules, CSS and SVG from <c>wwwroot</c>; no CDN, no build step): <c>/</c> serves
/// <c>index.html</c>, everything else under <c>/css</c>, <c>/js</c> is a static file. API routes are untouched.
/// </summary>
/// <remarks>
/// The web root is found where it exists: the host's web root (content root/wwwroot — <c>dotnet run</c> and a
/// published app), then <c>wwwroot</c> beside the binaries, then the project folder above a build output
/// (<c>src/Gateway/bin/&lt;config&gt;/net10.0/../../../wwwroot</c>, for <c>dotnet OrleansPlans.Gateway.dll</c> run from
/// the repository). <c>WebUi:Root</c> overrides. Files are revalidated on every load (ETag), so a deployment
/// never leaves a page with modules of two versions.
/// </remarks>
public static class WebUiApi
{
    public static WebApplication MapWebUi(this WebApplication app)
    {
        var root = FindWebRoot(app);
        if (root is null)
        {
            app.Logger.LogWarning("Web UI not served: no wwwroot with index.html found (set WebUi:Root)");
            return app;
        }
        var files = new PhysicalFileProvider(root);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files, RequestPath = "" });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            OnPrepareResponse = ctx =>
            {
                ctx.Context.Response.Headers[HeaderNames.CacheControl] = "no-cache";
                ctx.Context.Response.Headers[HeaderNames.XContentTypeOptions] = "nosniff";
                if (ctx.File.Name.EndsWith(".html", StringComparison.OrdinalIgnoreCase))
                {
                    // Everything the page loads comes from the gateway itself (closed government networks).
                    ctx.Context.Response.Headers[HeaderNames.ContentSecurityPolicy] =
                        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'self'";
                }
            },
        });
        app.Logger.LogInformation("Web UI served from {Root}", root);
        return app;
    }

    private static string? FindWebRoot(WebApplication app)
    {
        var configured = app.Configuration["WebUi:Root"];
        var candidates = new[]
        {
            configured,
            app.Environment.WebRootPath,
            Path.Combine(app.Environment.ContentRootPath, "wwwroot"),
            Path.Combine(AppContext.BaseDirectory, "wwwroot"),
            Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "wwwroot")),
        };
        return candidates.FirstOrDefault(c => !string.IsNullOrEmpty(c) && File.Exists(Path.Combine(c, "index.html")));
    }
}
