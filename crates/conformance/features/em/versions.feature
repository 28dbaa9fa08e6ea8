Feature: Enterprise Manager versions and session headers
  `GET /api/` tells a script, without credentials, which API versions the server supports and
  where to log on for each. `v1_7` is current, `v1_6` and `v1_5` are deprecated but served, and
  older versions are refused. After logon the token travels in the `X-RestSvcSessionId` header
  or cookie; when both are sent the cookie wins.

  @EM-01
  Scenario: The entry point lists the supported versions without credentials
    When I ask for the Enterprise Manager entry point without credentials
    Then the answer is 200 OK
    And the answer is an XML "EnterpriseManager" document
    And it has a link of type "LogonSessionList" with Rel "Down"
    And it has a link of type "LogonSession" with Rel "Create"
    And each supported version has its own logon link

  @EM-01
  Scenario: The entry point wraps its links and versions as the schema says
    The logon guide's sample leaves the wrappers out; the schema's EnterpriseManagerType has a
    Links element and a SupportedVersions element holding the SupportedVersion elements.
    When I ask for the Enterprise Manager entry point without credentials
    Then the entry point holds its links in "Links" and its versions in "SupportedVersions"

  @EM-13
  Scenario: The entry point lists the current and the deprecated versions
    When I ask for the Enterprise Manager entry point without credentials
    Then it lists the supported versions "v1_5, v1_6, v1_7"

  @EM-13
  Scenario Outline: Current and deprecated versions are served
    When I log on to Enterprise Manager with version "<version>"
    Then the answer is 201 Created

    Examples:
      | version |
      | v1_7    |
      | v1_6    |
      | v1_5    |

  @EM-13 @undocumented
  Scenario: An older version is refused
    The versions page calls v1_4 "not supported"; whether a server refuses it is not documented.
    When I log on to Enterprise Manager with version "v1_4"
    Then the answer is a client error

  @EM-02 @undocumented
  Scenario: An unknown version is refused
    When I log on to Enterprise Manager with version "v9_9"
    Then the answer is a client error

  @EM-06
  Scenario: The token is accepted in the X-RestSvcSessionId header
    Given I am logged on to Enterprise Manager
    When I list the logon sessions sending my token in the header only
    Then the answer is 200 OK

  @EM-06
  Scenario: The token is accepted in the cookie
    Given I am logged on to Enterprise Manager
    When I list the logon sessions sending my token in the cookie only
    Then the answer is 200 OK

  @EM-06
  Scenario: When both are sent, the cookie wins over a made-up header
    Given I am logged on to Enterprise Manager
    When I list the logon sessions sending my token in the cookie and a made-up token in the header
    Then the answer is 200 OK

  @EM-06
  Scenario: When both are sent, a made-up cookie wins over a good header
    Given I am logged on to Enterprise Manager
    When I list the logon sessions sending a made-up token in the cookie and my token in the header
    Then the answer is 401 Unauthorized
