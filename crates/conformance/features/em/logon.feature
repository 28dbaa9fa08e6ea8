Feature: Enterprise Manager logon
  A script logs on to Enterprise Manager by posting Basic credentials to the session manager
  (`POST /api/sessionMngr/?v=latest`). The session token comes back in the `X-RestSvcSessionId`
  header and in a cookie; the body describes the new logon session.

  @EM-02 @EM-03
  Scenario: Logging on with Basic credentials creates a session
    When I log on to Enterprise Manager with version "latest"
    Then the answer is 201 Created
    And the answer has the header "X-RestSvcSessionId"
    And the answer sets the cookie "X-RestSvcSessionId" with path "/api" holding the session token

  @EM-04
  Scenario: The logon answer describes the new logon session
    When I log on to Enterprise Manager with version "latest"
    Then the answer is an XML "LogonSession" document
    And it has a link of type "EnterpriseManager" with Rel "Up"
    And it has Down links to "backupServers, jobs, repositories, backups, restorePoints, backupSessions"
    And it has Down links with "?format=Entity"
    And it has a Delete link to "/api/logonSessions/"
    And it names the user and the session

  @EM-04
  Scenario: The logon answer's links follow the vendor's samples
    When I log on to Enterprise Manager with version "latest"
    Then it has a link of type "JobReferenceList" with Rel "Down"
    And it has a link of type "JobList" with Rel "Down"
    And it has a link of type "QueryService" with Rel "Down"
    And it has a link of type "TaskList" with Rel "Down"
    And its Delete link has no Type

  @EM-04
  Scenario: The entities of the jobs come in a Jobs document
    Given I am logged on to Enterprise Manager
    When I follow the link of type "JobList"
    Then the answer is 200 OK
    And the answer is an XML "Jobs" document

  @EM-02 @undocumented @emulator-only
  Scenario: A tenant logs on with its credentials in a LoginSpec body
    When I log on to Enterprise Manager as the emulator's tenant with a LoginSpec body
    Then the answer is 201 Created
    And the answer has the header "X-RestSvcSessionId"

  @EM-14 @undocumented
  Scenario: What the session token is made of
    Scripts build the token as base64 of the SessionId; the logon guide shows 16 raw bytes.
    When I log on to Enterprise Manager with version "latest"
    Then the session token follows one of the readings:
      | reading                                  | emulator |
      | base64 of the UTF-8 text of the SessionId | yes      |
      | 16 bytes unrelated to the SessionId       |          |

  @EM-02
  Scenario: The session token works for later requests
    Given I am logged on to Enterprise Manager
    When I list the logon sessions
    Then the answer is 200 OK

  @EM-05
  Scenario: An unknown user is refused with a Basic challenge
    When I log on to Enterprise Manager with an unknown user name
    Then the answer is 401 Unauthorized
    And the answer has the header "WWW-Authenticate" with the value "Basic Realm=RestSvc"

  @EM-05 @wrong-password
  Scenario: A wrong password for a real account is refused with a Basic challenge
    When I log on to Enterprise Manager with a wrong password for my account
    Then the answer is 401 Unauthorized
    And the answer has the header "WWW-Authenticate" with the value "Basic Realm=RestSvc"

  @EM-05
  Scenario: A logon without an Authorization header is refused with a Basic challenge
    When I log on to Enterprise Manager without an Authorization header
    Then the answer is 401 Unauthorized
    And the answer has the header "WWW-Authenticate" with the value "Basic Realm=RestSvc"

  @EM-05 @emulator-only
  Scenario: An account without a portal role may not log on
    When I log on to Enterprise Manager as a user without a portal role
    Then the answer is 401 Unauthorized

  @EM-05 @emulator-only
  Scenario Outline: Accounts with a portal role may log on
    When I log on to Enterprise Manager as the emulator's "<role>" account
    Then the answer is 201 Created

    Examples:
      | role                 |
      | Portal Administrator |
      | Portal User          |
      | Restore Operator     |

  @EM-11 @doc-conflict
  Scenario: Logging on with only a session token
    The logon guide sends Basic credentials; the reference page of POST /sessionMngr/ shows a
    logon that carries only the X-RestSvcSessionId header. Which one does the server follow?
    Given I am logged on to Enterprise Manager
    When I log on again sending only my session token
    Then the answer follows one of the documented readings:
      | answer | reading                                                        | emulator |
      | 201    | the reference page: a live session token opens a new session   | yes      |
      | 401    | the logon guide: only Basic credentials open a session         |          |

  @EM-11 @doc-conflict
  Scenario: A session opened with a session token belongs to the same user
    Given I am logged on to Enterprise Manager
    When I log on again sending only my session token
    Then the answer follows one of the documented readings:
      | answer | reading                                                        | emulator |
      | 201    | the reference page: a live session token opens a new session   | yes      |
      | 401    | the logon guide: only Basic credentials open a session         |          |
    And if a session was opened it names the same user
