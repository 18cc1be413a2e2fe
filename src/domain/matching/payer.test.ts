import { describe, expect, it } from 'vitest';
import { PARTIES } from './fixtures.test-helpers';
import { MatchMemory } from './memory';
import { PartyIndex } from './payer';

const idx = new PartyIndex(PARTIES);
const mem = new MatchMemory();
const who = (payerName: string | null, payerAccount: string | null = null) => idx.identify({ payerName, payerAccount }, mem)[0];

describe('payer identification', () => {
  it('known account, whatever the spacing', () => {
    expect(who(null, '6222021001112222333')).toMatchObject({ partyId: 'HX', source: 'account' });
  });
  it('exact name and name variants', () => {
    expect(who('上海华信贸易有限公司')).toMatchObject({ partyId: 'HX', source: 'name_exact' });
    expect(who('华信贸易（上海）有限公司')).toMatchObject({ partyId: 'HX', source: 'name_variant' });
    expect(who('上海华信贸易股份有限公司')).toMatchObject({ partyId: 'HX' });
    expect(who('HUAXIN TRADING (SHANGHAI) CO LTD')).toMatchObject({ partyId: 'HX', source: 'name_english' });
    expect(who('北京华信贸易有限公司')).toMatchObject({ partyId: 'HXB' });
    expect(who('NORTHWIND COMPONENTS LIMITED')).toMatchObject({ partyId: 'NW' });
  });
  it('a short name without city is used only when unique', () => {
    // 华信贸易 is HX's registered short name.
    expect(who('华信贸易')).toMatchObject({ partyId: 'HX', source: 'name_short' });
    // 瑞丰科技 (no city) is unique → RF.
    expect(who('瑞丰科技有限公司')).toMatchObject({ partyId: 'RF', source: 'name_short' });
  });
  it('a name from another city is not this party', () => {
    expect(who('广州瑞丰科技有限公司')?.partyId).not.toBe('RF');
  });
  it('unknown names are not identified', () => {
    expect(who('深圳宇航物流有限公司')).toBeUndefined();
  });
  it('groups: a head office covers its subsidiaries', () => {
    expect(idx.group('GRP').sort()).toEqual(['GRP', 'HX', 'HXB']);
    expect(idx.covers('GRP', 'HXB')).toBe(true);
    expect(idx.covers('HX', 'HXB')).toBe(false);
    expect(idx.root('HX')).toBe('GRP');
  });
});
