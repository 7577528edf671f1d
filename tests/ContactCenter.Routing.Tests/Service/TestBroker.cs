namespace ContactCenter.Routing.Tests.Service;

/// <summary>
/// The RabbitMQ broker that <c>test.sh</c> starts for the run (CC_TEST_RABBITMQ, an amqp URI). Tests that need it fail when it
/// is missing: never a silent skip.
/// </summary>
internal static class TestBroker
{
    public static Uri Uri()
    {
        var uri = Environment.GetEnvironmentVariable("CC_TEST_RABBITMQ");
        if (string.IsNullOrWhiteSpace(uri))
        {
            Assert.Fail("CC_TEST_RABBITMQ is not set: run the suite with ./test.sh, which starts a RabbitMQ broker for the tests.");
        }
        return new Uri(uri);
    }

    public static (string User, string Password, string VirtualHost) Credentials(Uri amqp)
    {
        var userInfo = amqp.UserInfo.Split(':', 2);
        return (System.Uri.UnescapeDataString(userInfo[0]), userInfo.Length > 1 ? System.Uri.UnescapeDataString(userInfo[1]) : "",
            amqp.AbsolutePath.Length > 1 ? System.Uri.UnescapeDataString(amqp.AbsolutePath[1..]) : "/");
    }
}
