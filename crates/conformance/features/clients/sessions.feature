Feature: restpoint's own clients keep their sessions as the documents require
  The same rules, seen from restpoint's session layer instead of raw HTTP: a script that uses
  the restpoint clients should not notice expired tokens, idle timeouts or logoffs. Each
  scenario runs against its own emulator, and the counts come from the emulator, not from the
  client.

  @VBR-02 @VBR-04
  Scenario: An expired Backup & Replication access token is renewed by one refresh
    Given the restpoint Backup & Replication client is logged on
    When 16 minutes pass
    And the client lists the jobs
    Then the call succeeds
    And the emulator counted 1 logon and 1 refresh for Backup & Replication

  @VBR-04 @VBR-10
  Scenario: A thousand calls that find the access token expired send one refresh
    Given the restpoint Backup & Replication client is logged on
    When 16 minutes pass
    And the client lists the jobs 1000 times at once
    Then every call succeeds
    And the emulator counted 1 logon and 1 refresh for Backup & Replication

  @VBR-03 @VBR-10
  Scenario: Calls within the access token's lifetime reuse it
    Given the restpoint Backup & Replication client is logged on
    When the client lists the jobs 5 times at once
    Then every call succeeds
    And the emulator counted 1 logon and 0 refreshes for Backup & Replication

  @VBR-06
  Scenario: Logging out of Backup & Replication leaves no live token
    Given the restpoint Backup & Replication client is logged on
    When the client logs out
    Then the emulator holds no live Backup & Replication session

  @ZVM-03 @ZVM-05
  Scenario: A Zerto session dormant for 31 minutes does not break the next call
    Given the restpoint Zerto Virtual Manager client is logged on
    When 31 minutes pass
    And the client lists the VPGs
    Then the call succeeds

  @ZVM-04
  Scenario: Logging out of Zerto Virtual Manager ends the session
    Given the restpoint Zerto Virtual Manager client is logged on
    When the client logs out
    Then the emulator holds no live Zerto Virtual Manager session

  @EM-06 @EM-08
  Scenario: An Enterprise Manager session idle for 16 minutes does not break the next call
    Given the restpoint Enterprise Manager client is logged on
    When 16 minutes pass
    And the client lists the jobs
    Then the call succeeds

  @EM-09
  Scenario: Logging out of Enterprise Manager deletes the logon session
    Given the restpoint Enterprise Manager client is logged on
    When the client logs out
    Then the emulator holds no live Enterprise Manager session
