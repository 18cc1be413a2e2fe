/**
 * What the two demo entities sell, as 数电票 item texts (*税收分类简称*名称) with their VAT rate.
 * SH01 is a software and IT services company, SZ01 a supply-chain company trading electronic
 * parts and providing logistics.
 */

export interface CatalogItem {
  text: string;
  /** VAT rate in basis points: 1300 = 13 %. */
  bp: number;
  /** units: quantity × unit price; days: person-days × day rate; service: one lump sum. */
  mode: 'units' | 'days' | 'service';
  /** Typical unit price in yuan (ignored for service). */
  price: number;
  weight: number;
  /** Industries that buy it more often than others. */
  affinity?: readonly string[];
}

export const ENTITY_CATALOG: Readonly<Record<string, readonly CatalogItem[]>> = {
  SH01: [
    { text: '*信息技术服务*软件实施服务', bp: 600, mode: 'days', price: 2800, weight: 5 },
    { text: '*信息技术服务*系统运维服务', bp: 600, mode: 'service', price: 0, weight: 5 },
    { text: '*软件*收付管理软件V3.0', bp: 1300, mode: 'units', price: 48000, weight: 2 },
    { text: '*软件*软件订阅服务（年度）', bp: 1300, mode: 'units', price: 12800, weight: 3 },
    { text: '*计算机外部设备*扫码枪', bp: 1300, mode: 'units', price: 680, weight: 2, affinity: ['批发零售', '物流', '餐饮'] },
    { text: '*计算机网络设备*交换机', bp: 1300, mode: 'units', price: 5600, weight: 2 },
    { text: '*计算机外部设备*工业平板电脑', bp: 1300, mode: 'units', price: 7200, weight: 2, affinity: ['制造业', '汽车配件', '能源化工'] },
    { text: '*现代服务*技术咨询服务', bp: 600, mode: 'service', price: 0, weight: 3 },
    { text: '*现代服务*培训服务', bp: 600, mode: 'days', price: 6000, weight: 1 },
    { text: '*建筑服务*弱电智能化工程', bp: 900, mode: 'service', price: 0, weight: 1, affinity: ['建筑工程'] },
  ],
  SZ01: [
    { text: '*电子元件*贴片电容', bp: 1300, mode: 'units', price: 0.35, weight: 4, affinity: ['制造业', '汽车配件'] },
    { text: '*集成电路*MCU芯片', bp: 1300, mode: 'units', price: 12.8, weight: 4, affinity: ['制造业', '汽车配件', '信息技术'] },
    { text: '*电线电缆*电源线', bp: 1300, mode: 'units', price: 18.5, weight: 2 },
    { text: '*塑料制品*包装周转箱', bp: 1300, mode: 'units', price: 45, weight: 2, affinity: ['物流', '批发零售', '医药'] },
    { text: '*金属制品*不锈钢紧固件', bp: 1300, mode: 'units', price: 0.8, weight: 2, affinity: ['建筑工程', '制造业'] },
    { text: '*纸制品*瓦楞纸箱', bp: 1300, mode: 'units', price: 6.5, weight: 2, affinity: ['批发零售', '餐饮', '医药'] },
    { text: '*运输服务*国内道路货物运输服务', bp: 900, mode: 'service', price: 0, weight: 4 },
    { text: '*物流辅助服务*仓储服务', bp: 600, mode: 'service', price: 0, weight: 3 },
    { text: '*物流辅助服务*装卸搬运服务', bp: 600, mode: 'service', price: 0, weight: 1 },
  ],
};

/** The category part of a 数电票 item text: *运输服务*国内道路货物运输服务 → 国内道路货物运输服务. */
export function itemName(text: string): string {
  const i = text.lastIndexOf('*');
  return i >= 0 ? text.slice(i + 1) : text;
}

export const DISPUTE_REASONS = [
  '客户反馈部分货物存在质量问题，待质检报告',
  '开票信息有误（抬头/税号），客户要求红冲后重开',
  '数量与签收单不符，待双方对账确认',
  '价格未按补充协议调整，客户拒付差额',
  '项目尚未完成验收，客户暂缓付款',
  '服务内容与合同约定存在分歧',
  '客户称未收到交付文档，暂不付款',
];

export const CREDIT_REASONS_PARTIAL = [
  '销售折让：部分批次质量问题',
  '销售折让：年度返利',
  '部分退货：规格型号不符',
  '价格调整：按补充协议执行新单价',
];

export const CREDIT_REASONS_FULL = ['开票有误，全额红冲', '订单取消，全额红冲', '整单退货'];
