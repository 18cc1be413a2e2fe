/**
 * Name material for believable Chinese demo parties: regions and provinces with cities and their
 * administrative division codes, trade names (字号) with a pinyin spelling, industry words, banks,
 * personal names, and the unified social credit code (统一社会信用代码, GB 32100-2015).
 */
import type { Rng } from './random';

export interface City {
  /** City name as used in company names (上海, 杭州). */
  name: string;
  /** Short pinyin used for e-mail domains. */
  py: string;
  /** Six-digit administrative division code of a district or the city. */
  divisions: readonly string[];
}

export interface Province {
  /** Name as stored in parties.province (浙江省, 上海市, 广西壮族自治区). */
  name: string;
  /** Name used inside company names (浙江, 上海, 广西). */
  short: string;
  region: string;
  /** Two-digit code that starts the province's tax numbers (数电票). */
  taxCode: string;
  cities: readonly City[];
  weight: number;
}

const c = (name: string, py: string, ...divisions: string[]): City => ({ name, py, divisions });

export const PROVINCES: readonly Province[] = [
  { name: '上海市', short: '上海', region: '华东', taxCode: '31', weight: 14, cities: [c('上海', 'sh', '310115', '310104', '310112', '310113', '310106', '310118')] },
  { name: '江苏省', short: '江苏', region: '华东', taxCode: '32', weight: 11, cities: [c('南京', 'nj', '320105', '320115'), c('苏州', 'sz', '320505', '320506', '320583'), c('无锡', 'wx', '320214', '320211'), c('常州', 'cz', '320411'), c('南通', 'nt', '320602')] },
  { name: '浙江省', short: '浙江', region: '华东', taxCode: '33', weight: 11, cities: [c('杭州', 'hz', '330106', '330108', '330110'), c('宁波', 'nb', '330212', '330206'), c('温州', 'wz', '330302'), c('嘉兴', 'jx', '330402'), c('绍兴', 'sx', '330602')] },
  { name: '安徽省', short: '安徽', region: '华东', taxCode: '34', weight: 3, cities: [c('合肥', 'hf', '340104', '340111'), c('芜湖', 'wh', '340202')] },
  { name: '福建省', short: '福建', region: '华东', taxCode: '35', weight: 3, cities: [c('福州', 'fz', '350102'), c('厦门', 'xm', '350203', '350206'), c('泉州', 'qz', '350503')] },
  { name: '江西省', short: '江西', region: '华东', taxCode: '36', weight: 1.5, cities: [c('南昌', 'nc', '360102')] },
  { name: '山东省', short: '山东', region: '华东', taxCode: '37', weight: 4, cities: [c('济南', 'jn', '370102'), c('青岛', 'qd', '370212', '370211'), c('烟台', 'yt', '370602')] },
  { name: '广东省', short: '广东', region: '华南', taxCode: '44', weight: 18, cities: [c('广州', 'gz', '440106', '440104', '440112'), c('深圳', 'sz', '440305', '440304', '440306', '440307'), c('东莞', 'dg', '441900'), c('佛山', 'fs', '440604', '440606'), c('珠海', 'zh', '440402'), c('惠州', 'hz', '441302')] },
  { name: '广西壮族自治区', short: '广西', region: '华南', taxCode: '45', weight: 2, cities: [c('南宁', 'nn', '450103'), c('柳州', 'lz', '450202')] },
  { name: '海南省', short: '海南', region: '华南', taxCode: '46', weight: 1, cities: [c('海口', 'hk', '460106')] },
  { name: '北京市', short: '北京', region: '华北', taxCode: '11', weight: 6, cities: [c('北京', 'bj', '110105', '110108', '110106', '110115')] },
  { name: '天津市', short: '天津', region: '华北', taxCode: '12', weight: 2, cities: [c('天津', 'tj', '120116', '120104')] },
  { name: '河北省', short: '河北', region: '华北', taxCode: '13', weight: 2, cities: [c('石家庄', 'sjz', '130102'), c('唐山', 'ts', '130203'), c('廊坊', 'lf', '131003')] },
  { name: '山西省', short: '山西', region: '华北', taxCode: '14', weight: 1, cities: [c('太原', 'ty', '140105')] },
  { name: '内蒙古自治区', short: '内蒙古', region: '华北', taxCode: '15', weight: 0.7, cities: [c('呼和浩特', 'hhht', '150102'), c('包头', 'bt', '150203')] },
  { name: '河南省', short: '河南', region: '华中', taxCode: '41', weight: 3.5, cities: [c('郑州', 'zz', '410105', '410122'), c('洛阳', 'ly', '410305')] },
  { name: '湖北省', short: '湖北', region: '华中', taxCode: '42', weight: 3.5, cities: [c('武汉', 'wh', '420106', '420111', '420115'), c('宜昌', 'yc', '420502'), c('襄阳', 'xy', '420606')] },
  { name: '湖南省', short: '湖南', region: '华中', taxCode: '43', weight: 3, cities: [c('长沙', 'cs', '430104', '430105'), c('株洲', 'zz', '430211')] },
  { name: '重庆市', short: '重庆', region: '西南', taxCode: '50', weight: 2.5, cities: [c('重庆', 'cq', '500112', '500108', '500105')] },
  { name: '四川省', short: '四川', region: '西南', taxCode: '51', weight: 3.5, cities: [c('成都', 'cd', '510107', '510104', '510116'), c('绵阳', 'my', '510703')] },
  { name: '贵州省', short: '贵州', region: '西南', taxCode: '52', weight: 1, cities: [c('贵阳', 'gy', '520115')] },
  { name: '云南省', short: '云南', region: '西南', taxCode: '53', weight: 1.2, cities: [c('昆明', 'km', '530111', '530102')] },
  { name: '陕西省', short: '陕西', region: '西北', taxCode: '61', weight: 2, cities: [c('西安', 'xa', '610113', '610131')] },
  { name: '甘肃省', short: '甘肃', region: '西北', taxCode: '62', weight: 0.6, cities: [c('兰州', 'lz', '620102')] },
  { name: '宁夏回族自治区', short: '宁夏', region: '西北', taxCode: '64', weight: 0.4, cities: [c('银川', 'yc', '640104')] },
  { name: '新疆维吾尔自治区', short: '新疆', region: '西北', taxCode: '65', weight: 0.5, cities: [c('乌鲁木齐', 'wlmq', '650104')] },
  { name: '辽宁省', short: '辽宁', region: '东北', taxCode: '21', weight: 2, cities: [c('沈阳', 'sy', '210102', '210112'), c('大连', 'dl', '210204', '210213')] },
  { name: '吉林省', short: '吉林', region: '东北', taxCode: '22', weight: 0.8, cities: [c('长春', 'cc', '220104')] },
  { name: '黑龙江省', short: '黑龙江', region: '东北', taxCode: '23', weight: 0.8, cities: [c('哈尔滨', 'heb', '230103')] },
];

export const REGIONS = ['华东', '华南', '华北', '华中', '西南', '西北', '东北'] as const;

export function provinceByShort(short: string): Province {
  const p = PROVINCES.find((x) => x.short === short);
  if (!p) throw new Error(`unknown province ${short}`);
  return p;
}

/** Trade names (字号) with pinyin; none is a well-known real brand. */
export const TRADE_NAMES: readonly (readonly [string, string])[] = [
  ['恒信', 'hengxin'], ['华通', 'huatong'], ['鑫源', 'xinyuan'], ['瑞丰', 'ruifeng'], ['宏达', 'hongda'],
  ['天诚', 'tiancheng'], ['博远', 'boyuan'], ['众联', 'zhonglian'], ['永盛', 'yongsheng'], ['嘉禾', 'jiahe'],
  ['明辉', 'minghui'], ['海川', 'haichuan'], ['锦程', 'jincheng'], ['新锐', 'xinrui'], ['鼎盛', 'dingsheng'],
  ['华芯', 'huaxin'], ['康达', 'kangda'], ['立新', 'lixin'], ['远航', 'yuanhang'], ['德润', 'derun'],
  ['安泰', 'antai'], ['佳讯', 'jiaxun'], ['科瑞', 'kerui'], ['盛达', 'shengda'], ['合众', 'hezhong'],
  ['同创', 'tongchuang'], ['晨曦', 'chenxi'], ['星辰', 'xingchen'], ['启航', 'qihang'], ['泰和', 'taihe'],
  ['福瑞', 'furui'], ['润泽', 'runze'], ['凯达', 'kaida'], ['天宇', 'tianyu'], ['华宇', 'huayu'],
  ['万顺', 'wanshun'], ['广源', 'guangyuan'], ['长青', 'changqing'], ['百川', 'baichuan'], ['汇通', 'huitong'],
  ['协力', 'xieli'], ['思源', 'siyuan'], ['众诚', 'zhongcheng'], ['金桥', 'jinqiao'], ['蓝海', 'lanhai'],
  ['东升', 'dongsheng'], ['腾飞', 'tengfei'], ['宏图', 'hongtu'], ['卓越', 'zhuoyue'], ['精工', 'jinggong'],
  ['安达', 'anda'], ['通达', 'tongda'], ['信和', 'xinhe'], ['嘉信', 'jiaxin'], ['美达', 'meida'],
  ['联创', 'lianchuang'], ['奥翔', 'aoxiang'], ['恒通', 'hengtong'], ['兴旺', 'xingwang'], ['丰源', 'fengyuan'],
  ['鸿运', 'hongyun'], ['瑞祥', 'ruixiang'], ['金鼎', 'jinding'], ['长丰', 'changfeng'], ['亿达', 'yida'],
  ['盛世', 'shengshi'], ['新航', 'xinhang'], ['东润', 'dongrun'], ['中盛', 'zhongsheng'], ['宝丰', 'baofeng'],
  ['和泰', 'hetai'], ['凯盛', 'kaisheng'], ['天瑞', 'tianrui'], ['华盛', 'huasheng'], ['金泽', 'jinze'],
  ['鹏程', 'pengcheng'], ['中达', 'zhongda'], ['鑫达', 'xinda'], ['正元', 'zhengyuan'], ['顺达', 'shunda'],
  ['昌盛', 'changsheng'], ['海润', 'hairun'], ['泽华', 'zehua'], ['博瑞', 'borui'], ['华瑞', 'huarui'],
  ['宏远', 'hongyuan'], ['银丰', 'yinfeng'], ['志诚', 'zhicheng'], ['旭日', 'xuri'], ['华邦', 'huabang'],
  ['尚品', 'shangpin'], ['融通', 'rongtong'], ['晟达', 'chengda'], ['睿智', 'ruizhi'], ['翔宇', 'xiangyu'],
  ['云帆', 'yunfan'], ['骏马', 'junma'], ['弘毅', 'hongyi'], ['泓源', 'hongyuan'], ['钧达', 'junda'],
  ['铭泰', 'mingtai'], ['奕辰', 'yichen'], ['聚鑫', 'juxin'], ['德胜', 'desheng'], ['永信', 'yongxin'],
  ['盈科', 'yingke'], ['亚泰', 'yatai'], ['绿源', 'lvyuan'], ['清源', 'qingyuan'], ['青松', 'qingsong'],
  ['金穗', 'jinsui'], ['佳美', 'jiamei'], ['益华', 'yihua'], ['伟业', 'weiye'], ['凯旋', 'kaixuan'],
  ['新诚', 'xincheng'], ['中辰', 'zhongchen'], ['利民', 'limin'], ['瀚海', 'hanhai'], ['泰丰', 'taifeng'],
  ['华森', 'huasen'], ['恒源', 'hengyuan'], ['锐驰', 'ruichi'], ['擎天', 'qingtian'], ['恒昌', 'hengchang'],
];

export interface Industry {
  /** parties.industry */
  name: string;
  /** Words that follow the trade name in a company name, with a short English word for domains. */
  words: readonly (readonly [string, string])[];
  weight: number;
  /** Month factors Jan..Dec (seasonality of what they buy). */
  season: readonly number[];
  /** Share of customers that pay with bank acceptance drafts (承兑汇票). */
  draftShare: number;
}

export const CUSTOMER_INDUSTRIES: readonly Industry[] = [
  { name: '制造业', weight: 24, draftShare: 0.25, season: [1.05, 0.6, 1.05, 1, 1, 1.05, 0.95, 0.95, 1.05, 0.9, 1.1, 1.25], words: [['机械制造', 'mach'], ['精密机械', 'precision'], ['电子科技', 'tech'], ['新材料', 'material'], ['电气设备', 'electric'], ['模具', 'mould'], ['五金制品', 'hardware'], ['智能装备', 'equip']] },
  { name: '批发零售', weight: 14, draftShare: 0.05, season: [1.25, 0.7, 0.95, 0.95, 1, 1.1, 0.9, 0.9, 1, 1.05, 1.4, 1.2], words: [['商贸', 'trade'], ['贸易', 'trading'], ['百货', 'store'], ['商业连锁', 'retail'], ['电子商务', 'ecom']] },
  { name: '建筑工程', weight: 10, draftShare: 0.2, season: [0.7, 0.45, 0.95, 1.1, 1.15, 1.15, 1.1, 1.05, 1.1, 0.95, 1.05, 1.3], words: [['建设工程', 'build'], ['建筑安装工程', 'install'], ['装饰工程', 'deco'], ['市政工程', 'civil'], ['钢结构工程', 'steel']] },
  { name: '信息技术', weight: 14, draftShare: 0, season: [0.9, 0.75, 1, 1, 1, 1.15, 0.95, 0.95, 1.05, 0.9, 1.05, 1.4], words: [['信息技术', 'it'], ['软件', 'soft'], ['网络科技', 'net'], ['数据科技', 'data'], ['智能科技', 'ai'], ['信息系统', 'sys']] },
  { name: '医药', weight: 8, draftShare: 0.1, season: [1.1, 0.8, 1, 1, 1, 1, 1, 1, 1, 0.95, 1.05, 1.15], words: [['医药', 'pharma'], ['生物科技', 'bio'], ['医疗器械', 'med'], ['药业', 'yaoye']] },
  { name: '物流', weight: 8, draftShare: 0, season: [1.15, 0.65, 1, 1, 1, 1, 0.95, 1, 1.05, 1.05, 1.3, 1.15], words: [['物流', 'logistics'], ['国际货运代理', 'freight'], ['供应链管理', 'scm'], ['运输', 'transport']] },
  { name: '餐饮', weight: 5, draftShare: 0, season: [1.3, 1.1, 0.9, 0.9, 1, 0.95, 1.05, 1.05, 0.95, 1.1, 0.9, 1.1], words: [['餐饮管理', 'catering'], ['食品', 'food'], ['餐饮连锁', 'dining']] },
  { name: '汽车配件', weight: 9, draftShare: 0.35, season: [1.05, 0.6, 1.05, 1, 1, 1.05, 0.95, 0.95, 1.05, 0.95, 1.1, 1.2], words: [['汽车零部件', 'auto'], ['汽车配件', 'autoparts'], ['汽车电子', 'autotech'], ['车业', 'motor']] },
  { name: '能源化工', weight: 5, draftShare: 0.3, season: [1.1, 0.7, 1, 1, 1, 1, 1, 1, 1, 1, 1.05, 1.1], words: [['化工', 'chem'], ['新能源', 'energy'], ['能源科技', 'power']] },
  { name: '纺织服装', weight: 3, draftShare: 0.15, season: [0.9, 0.6, 1.1, 1.05, 0.95, 0.9, 0.9, 1.1, 1.2, 1.1, 1.1, 1.1], words: [['纺织', 'textile'], ['服饰', 'fashion'], ['针织', 'knit']] },
];

/** Export trading customers, invoiced and paying in USD. */
export const EXPORT_WORDS: readonly (readonly [string, string])[] = [
  ['进出口', 'imex'],
  ['国际贸易', 'intl'],
];

export interface SupplierKind {
  key: string;
  industry: string;
  words: readonly (readonly [string, string])[];
  /** Items on their bills: 数电票 item text, tax rate in basis points, a typical line amount in yuan. */
  items: readonly (readonly [string, number, number])[];
  /** Billed monthly at a fixed amount (rent, property management, staffing). */
  recurring: boolean;
  weight: number;
}

export const SUPPLIER_KINDS: readonly SupplierKind[] = [
  { key: 'parts', industry: '制造业', weight: 6, recurring: false, words: [['电子', 'elec'], ['电子元件', 'parts'], ['半导体', 'semi']], items: [['*电子元件*贴片电容', 1300, 18000], ['*集成电路*MCU芯片', 1300, 45000], ['*电子元件*连接器', 1300, 12000]] },
  { key: 'material', industry: '制造业', weight: 4, recurring: false, words: [['金属材料', 'metal'], ['塑胶制品', 'plastic'], ['新材料', 'material']], items: [['*金属制品*不锈钢紧固件', 1300, 9000], ['*塑料制品*ABS塑料粒子', 1300, 26000]] },
  { key: 'packaging', industry: '制造业', weight: 3, recurring: false, words: [['包装材料', 'pack'], ['纸业', 'paper'], ['包装制品', 'box']], items: [['*纸制品*瓦楞纸箱', 1300, 6000], ['*塑料制品*气泡膜', 1300, 2500]] },
  { key: 'logistics', industry: '物流', weight: 5, recurring: false, words: [['物流', 'logistics'], ['运输', 'transport'], ['货运代理', 'freight']], items: [['*运输服务*国内道路货物运输服务', 900, 15000], ['*物流辅助服务*装卸搬运服务', 600, 3000]] },
  { key: 'it', industry: '信息技术', weight: 4, recurring: false, words: [['信息技术', 'it'], ['网络科技', 'net'], ['云计算', 'cloud']], items: [['*信息技术服务*云服务器租用', 600, 8000], ['*计算机网络设备*交换机', 1300, 12000], ['*信息技术服务*软件开发服务', 600, 40000]] },
  { key: 'office', industry: '批发零售', weight: 2, recurring: false, words: [['办公用品', 'office'], ['文具', 'stationery']], items: [['*纸制品*复印纸', 1300, 1500], ['*办公设备*激光打印机', 1300, 3500]] },
  { key: 'staffing', industry: '商务服务', weight: 2, recurring: true, words: [['人力资源服务', 'hr'], ['劳务服务', 'labor']], items: [['*人力资源服务*劳务派遣服务', 600, 60000]] },
  { key: 'property', industry: '房地产', weight: 2, recurring: true, words: [['物业管理', 'pm'], ['物业服务', 'property']], items: [['*物业管理服务*物业管理费', 600, 18000]] },
  { key: 'rent', industry: '房地产', weight: 2, recurring: true, words: [['置业', 'estate'], ['园区管理', 'park']], items: [['*经营租赁*房屋租赁', 900, 85000]] },
  { key: 'consulting', industry: '商务服务', weight: 2, recurring: false, words: [['企业管理咨询', 'consult'], ['财务咨询', 'advisory']], items: [['*现代服务*咨询服务', 600, 30000], ['*现代服务*审计服务', 600, 80000]] },
];

export const BANKS: readonly (readonly [string, number])[] = [
  ['中国工商银行', 19], ['中国建设银行', 20], ['中国农业银行', 19], ['中国银行', 12], ['交通银行', 21],
  ['招商银行', 16], ['上海浦东发展银行', 16], ['中信银行', 19], ['兴业银行', 18], ['平安银行', 14],
  ['中国民生银行', 16], ['宁波银行', 17], ['江苏银行', 17], ['杭州银行', 16], ['北京银行', 20], ['上海银行', 14],
];

export const BRANCHES = ['分行营业部', '高新支行', '开发区支行', '城东支行', '城西支行', '中山路支行', '人民路支行', '科技园支行', '经济技术开发区支行', '新城支行'];

export const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '高', '林', '罗', '郑', '梁', '谢', '宋', '唐', '许', '韩', '冯', '邓', '曹'];
export const GIVEN_NAMES = ['建国', '建华', '志强', '秀英', '丽娟', '海燕', '国平', '晓东', '文杰', '婷婷', '俊杰', '雪梅', '春生', '立新', '桂兰', '明', '军', '敏', '静', '磊', '洋', '勇', '艳', '杰', '涛', '霞', '鹏', '华'];

export function personName(rng: Rng): string {
  return rng.pick(SURNAMES) + rng.pick(GIVEN_NAMES);
}

// ---------------------------------------------------------------------------------------------
// 统一社会信用代码 (GB 32100-2015) with its embedded organisation code (GB 11714-1997).
// ---------------------------------------------------------------------------------------------

export const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];

/** The 18th character of a USCC from its first 17. */
export function usccCheckChar(first17: string): string {
  if (first17.length !== 17) throw new Error('need 17 characters');
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = USCC_CHARS.indexOf(first17[i]!);
    if (v < 0) throw new Error(`invalid USCC character ${first17[i]}`);
    sum += v * USCC_WEIGHTS[i]!;
  }
  return USCC_CHARS[(31 - (sum % 31)) % 31]!;
}

export function isValidUscc(code: string): boolean {
  return (
    /^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$/.test(code) &&
    usccCheckChar(code.slice(0, 17)) === code[17]
  );
}

/** The 9th character of an organisation code from its first 8 (digits and capital letters). */
export function orgCodeCheckChar(first8: string): string {
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const ch = first8[i]!;
    const v = ch >= '0' && ch <= '9' ? ch.charCodeAt(0) - 48 : ch.charCodeAt(0) - 55;
    sum += v * ORG_WEIGHTS[i]!;
  }
  const c9 = 11 - (sum % 11);
  return c9 === 10 ? 'X' : c9 === 11 ? '0' : String(c9);
}

const ORG_LETTERS = 'ABCDEFGHJKLMNPQRTUWXY';

/**
 * A syntactically valid USCC: registration authority + kind (91 = enterprise under the market
 * regulator), the division code, a 9-character organisation code with its own check character,
 * and the overall check character.
 */
export function makeUscc(rng: Rng, division: string, prefix = '91'): string {
  let body: string;
  if (rng.chance(0.55)) {
    // Codes issued since 2015 usually start with "MA".
    body = 'MA';
    for (let i = 0; i < 6; i++) body += rng.chance(0.3) ? rng.pick([...ORG_LETTERS]) : String(rng.int(0, 9));
  } else {
    body = rng.digits(8);
  }
  const org = body + orgCodeCheckChar(body);
  const first17 = prefix + division + org;
  return first17 + usccCheckChar(first17);
}
