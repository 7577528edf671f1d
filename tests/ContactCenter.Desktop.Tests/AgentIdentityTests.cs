using System.Security.Claims;
using ContactCenter.Desktop.Hubs;

namespace ContactCenter.Desktop.Tests;

/// <summary>The agent's id comes from <c>sub</c>, whether or not the host maps inbound JWT claims.</summary>
public sealed class AgentIdentityTests
{
    [Fact]
    public void Sub_claim_is_the_agent_id()
    {
        var user = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "alice"), new Claim("name", "Alice Agent")], "jwt"));
        Assert.Equal("alice", AgentIdentity.AgentId(user));
        Assert.Equal("Alice Agent", AgentIdentity.DisplayName(user));
    }

    [Fact]
    public void Mapped_name_identifier_is_used_when_the_host_maps_inbound_claims()
    {
        var user = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, "bob")], "jwt"));
        Assert.Equal("bob", AgentIdentity.AgentId(user));
    }

    [Fact]
    public void No_sub_means_no_agent()
    {
        Assert.Null(AgentIdentity.AgentId(new ClaimsPrincipal(new ClaimsIdentity())));
        Assert.Null(AgentIdentity.AgentId(null));
    }
}
