using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Purple.Protocols.Metrics;
using Purple.Protocols.Security;

namespace Purple.Protocols.Http;

/// <summary>
/// With --requirepass, every HTTP request but the probes (/healthz, /readyz) needs
/// <c>Authorization: Bearer &lt;password&gt;</c>; without it the answer is a 401 problem with
/// <c>WWW-Authenticate: Bearer</c> (RFC 6750), and the request touches no data.
/// </summary>
public static class HttpBearerAuth
{
    public static IApplicationBuilder UseBearerPassword(this IApplicationBuilder app, PasswordGuard guard, ProtocolMetrics metrics)
    {
        if (!guard.Required) return app;
        return app.Use(async (context, next) =>
        {
            var path = context.Request.Path;
            if (path.Equals("/healthz", StringComparison.Ordinal) || path.Equals("/readyz", StringComparison.Ordinal)
                || guard.VerifyBearer(context.Request.Headers.Authorization.ToString()))
            {
                await next(context).ConfigureAwait(false);
                return;
            }
            metrics.Rejected(RejectReason.Unauthenticated);
            bool sent = context.Request.Headers.Authorization.Count > 0;
            context.Response.Headers.WWWAuthenticate = sent ? "Bearer realm=\"purple\", error=\"invalid_token\"" : "Bearer realm=\"purple\"";
            await HttpProblems.Of(StatusCodes.Status401Unauthorized, "Unauthorized",
                sent ? "The password is wrong." : "Send the password as Authorization: Bearer <password>.", context).ExecuteAsync(context).ConfigureAwait(false);
        });
    }
}
