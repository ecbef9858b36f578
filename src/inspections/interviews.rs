//! 领导访谈: interviews held by a round, the people interviewed, the indicators they bear on.
